"""Real Shipyard processes for the tests: `shipyard serve`, `shipyard worker`, and the CLI."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.support.postgres import free_port

SHIPYARD = str(Path(sys.executable).with_name("shipyard"))
ROOT = Path(__file__).resolve().parents[2]


class ShipyardServer:
    """One `shipyard serve` on a free loopback port with its own data directory (and database)."""

    def __init__(
        self, database_url: str | None = None, env: dict[str, str] | None = None, listen: str = "127.0.0.1"
    ) -> None:
        self.data = Path(tempfile.mkdtemp(prefix="shipyard-data-"))
        self.port = free_port()
        self.listen = listen
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "SHIPYARD_DATA": str(self.data),
            "PYTHONPATH": str(ROOT),
            "SHIPYARD_JOB_POLL_SECONDS": "0.5",
            # Jobs run inside serve on both backends unless a test starts `shipyard worker`s itself.
            "SHIPYARD_RUN_WORKER": "true",
            # "{port}" in a value stands for this server's port (e.g. in SHIPYARD_PUBLIC_URL).
            **{name: value.replace("{port}", str(self.port)) for name, value in (env or {}).items()},
        }
        self.env.pop("SHIPYARD_DATABASE_URL", None)
        if database_url:
            self.env["SHIPYARD_DATABASE_URL"] = database_url
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.data / "serve.log"

    @property
    def backend(self) -> str:
        return "postgres" if "SHIPYARD_DATABASE_URL" in self.env else "sqlite"

    def start(self, timeout: float = 60) -> ShipyardServer:
        self.process = subprocess.Popen(
            [SHIPYARD, "serve", "--host", self.listen, "--port", str(self.port)],
            env=self.env,
            stdout=open(self.log, "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"shipyard serve exited: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 204:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"shipyard serve did not become healthy: {self.log.read_text()}")

    @property
    def admin_password(self) -> str:
        return (self.data / "initial-admin-password").read_text().strip()

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run `shipyard ARGS` against the same data directory and database."""
        return subprocess.run(
            [SHIPYARD, *args], env=self.env, capture_output=True, text=True, check=check, timeout=120
        )

    def spawn(self, *args: str) -> subprocess.Popen[bytes]:
        """Start another `shipyard` process (a worker, say) with this server's environment."""
        return subprocess.Popen(
            [SHIPYARD, *args],
            env=self.env,
            stdout=open(self.data / "spawn.log", "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up, as in a crash."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.data, ignore_errors=True)
