"""Real Debian 12 test hosts (systemd-nspawn, own address, real sshd) from tests/hosts/testhost.sh.

The base root filesystem is built once and cached in /var/lib/machines/base (with the
throw-away root key in /var/lib/testhost). Each pytest-xdist worker takes its own range of
host indexes so that parallel workers never collide. Needs root, debootstrap,
systemd-container and nftables (.ci/run installs them); without them the tests fail loudly.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "hosts" / "testhost.sh"
STATE = Path(os.environ.get("TH_STATE", "/var/lib/testhost"))
ROOT_KEY = STATE / "id_ed25519"
GATEWAY = "10.213.0.1"
INDEXES_PER_WORKER = 25  # testhost.sh takes indexes up to 240: slots 0..8


def _testhost(*args: str, timeout: float = 600) -> str:
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"testhost.sh {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout.strip()


@dataclass(frozen=True)
class Host:
    name: str
    ip: str

    def ssh(
        self, command: str, *, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run a shell command as root over SSH with the throw-away key."""
        done = subprocess.run(
            [
                "ssh",
                "-i",
                str(ROOT_KEY),
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "LogLevel=ERROR",
                "-o",
                "BatchMode=yes",
                "-o",
                "ConnectTimeout=5",
                f"root@{self.ip}",
                command,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{command!r} on {self.name} exited {done.returncode}:\n{done.stdout}{done.stderr}"
            )
        return done

    def run(
        self, command: str, *, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run a shell command as root inside the host without SSH (nsenter), e.g. after keys changed."""
        done = subprocess.run(
            [str(SCRIPT), "exec", self.name, "bash", "-c", command],
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{command!r} in {self.name} exited {done.returncode}:\n{done.stdout}{done.stderr}"
            )
        return done

    def is_active(self, unit: str) -> bool:
        return self.run(f"systemctl is-active {shlex.quote(unit)}", check=False).stdout.strip() == "active"


class HostPool:
    """Hosts of one test worker; `down()` removes every host it started."""

    def __init__(self, worker: str) -> None:
        if os.geteuid() != 0:
            raise RuntimeError("the test hosts need root (systemd-nspawn, network namespaces)")
        worker_number = int(match.group(1)) if (match := re.search(r"(\d+)$", worker)) else 0
        # Each xdist worker has its own slot; a second test session on the machine starts its
        # workers' slots at SHIPYARD_TEST_HOST_SLOT instead of 0.
        number = int(os.environ.get("SHIPYARD_TEST_HOST_SLOT", 0)) + worker_number
        if not 0 <= number <= 8:
            raise RuntimeError(f"test-host slot {number} is out of range 0..8")
        self.prefix = f"t{number}"
        self.first_index = 20 + number * INDEXES_PER_WORKER
        self.next = 0
        self.freed: list[int] = []  # indexes of hosts taken down, reused once the fresh ones run out
        self.lock = threading.Lock()
        self.started: list[Host] = []
        _testhost("base", timeout=900)

    def up(self, template: str | None = None) -> Host:
        """Boot a fresh host; with `template`, its disk starts as a copy of that template's."""
        with self.lock:
            if self.next < INDEXES_PER_WORKER:
                index, self.next = self.first_index + self.next, self.next + 1
            elif self.freed:
                index = self.freed.pop(0)
            else:
                raise RuntimeError("this test worker ran out of host indexes")
        name = f"{self.prefix}h{index}"
        options = ("--from", template) if template else ()
        host = Host(name, _testhost("up", name, str(index), *options, timeout=180))
        self.started.append(host)
        return host

    def down(self, host: Host) -> None:
        _testhost("down", host.name, timeout=120)
        with self.lock:
            if host in self.started:
                self.started.remove(host)
                self.freed.append(int(host.name.rsplit("h", 1)[1]))

    def keep_as_template(self, host: Host, template: str) -> None:
        """Stop `host` and turn its disk into the read-only template `template`."""
        _testhost("down", host.name, "--keep", timeout=120)
        _testhost("template", host.name, template, timeout=120)
        with self.lock:
            self.started.remove(host)
            self.freed.append(int(host.name.rsplit("h", 1)[1]))

    def down_all(self) -> None:
        for host in list(self.started):
            self.down(host)

    @staticmethod
    def root_key() -> str:
        return ROOT_KEY.read_text()

    @staticmethod
    def root_key_public() -> str:
        return ROOT_KEY.with_suffix(".pub").read_text().strip()
