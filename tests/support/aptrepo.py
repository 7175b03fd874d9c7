"""A signed stand-in for Blackfire's apt repository, served by the test process to the test hosts.

The test hosts reach only the Debian mirror, so the shared servers are told (conftest) that
Blackfire's repository and key live at this process's address on the hosts' gateway. `serving()`
builds it once: two small packages made with `dpkg-deb` (`blackfire`, whose
`blackfire-agent.service` runs a script that reads `/etc/blackfire/agent` and stays up only with
a server id and token in it, as user `blackfire`; and `blackfire-php`, a placeholder for the
probe), a `Packages` index, a `Release` file signed by a throw-away gpg key (`InRelease` and
`Release.gpg`), and that key at `gpg.key`. Outside `serving()` nothing listens at the address,
which is what an unreachable repository looks like to a host.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.support.hosts import GATEWAY
from tests.support.postgres import free_port

VERSION = "2.99.0~shipyard.test"
MAINTAINER = "Shipyard tests <tests@shipyard.invalid>"
HOLD_SECONDS = 120

AGENT_SCRIPT = """#!/bin/sh
# Stand-in for Blackfire's agent: `blackfire agent:start --config=FILE` needs a server id and
# token in FILE (like the real agent), then stays up.
set -eu
[ "${1:-}" = agent:start ] || { echo "this test build of blackfire only does agent:start" >&2; exit 2; }
config=/etc/blackfire/agent
for arg in "$@"; do
    case "$arg" in --config=*) config=${arg#--config=} ;; esac
done
id=$(sed -n 's/^server-id=//p' "$config")
token=$(sed -n 's/^server-token=//p' "$config")
if [ -z "$id" ] || [ -z "$token" ]; then
    echo "blackfire: no server-id/server-token in $config" >&2
    exit 1
fi
echo "blackfire agent (test build) running for server $id"
exec sleep infinity
"""

AGENT_UNIT = """[Unit]
Description=Blackfire agent (test build)
After=network.target

[Service]
User=blackfire
Group=blackfire
ExecStart=/usr/bin/blackfire agent:start --config=/etc/blackfire/agent
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target
"""

AGENT_POSTINST = """#!/bin/sh
set -e
if [ "$1" = configure ]; then
    id -u blackfire >/dev/null 2>&1 || useradd --system --user-group --no-create-home \\
        --home-dir /nonexistent --shell /usr/sbin/nologin blackfire
    systemctl daemon-reload || true
fi
"""

AGENT_PRERM = """#!/bin/sh
set -e
systemctl stop blackfire-agent.service 2>/dev/null || true
"""

AGENT_POSTRM = """#!/bin/sh
set -e
if [ "$1" = purge ]; then
    userdel blackfire 2>/dev/null || true
fi
systemctl daemon-reload 2>/dev/null || true
"""


def _run(*command: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


class _Handler(SimpleHTTPRequestHandler):
    repository: FakeBlackfireRepository

    def do_GET(self) -> None:
        self.repository.wait_until_released()
        self.repository.requests.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: `requests` keeps what was asked for."""


class FakeBlackfireRepository:
    """Blackfire's apt repository as the hosts see it at http://10.213.0.1:<port>/."""

    def __init__(self, address: str = GATEWAY) -> None:
        self.address = address
        self.port = free_port()
        self.work: Path | None = None
        self.requests: list[str] = []
        self._released = threading.Event()
        self._released.set()

    @property
    def apt_url(self) -> str:
        return f"http://{self.address}:{self.port}/debian"

    @property
    def key_url(self) -> str:
        return f"http://{self.address}:{self.port}/gpg.key"

    def env(self) -> dict[str, str]:
        """The settings that point a Shipyard server at this repository."""
        return {"SHIPYARD_BLACKFIRE_APT_URL": self.apt_url, "SHIPYARD_BLACKFIRE_APT_KEY_URL": self.key_url}

    @contextlib.contextmanager
    def serving(self, *, hold: bool = False) -> Iterator[FakeBlackfireRepository]:
        """Serve the repository; with `hold`, every request waits until `release()`."""
        root = self._build()
        if hold:
            self._released.clear()
        handler = type("Handler", (_Handler,), {"repository": self})
        httpd = ThreadingHTTPServer(
            (self.address, self.port), functools.partial(handler, directory=str(root))
        )
        httpd.daemon_threads = True
        thread = threading.Thread(target=httpd.serve_forever, name="fake-apt", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._released.set()
            httpd.shutdown()
            httpd.server_close()
            thread.join()

    def release(self) -> None:
        self._released.set()

    def wait_until_released(self) -> None:
        self._released.wait(HOLD_SECONDS)

    def cleanup(self) -> None:
        if self.work is not None:
            gnupg = self.work / "gnupg"
            subprocess.run(["gpgconf", "--homedir", str(gnupg), "--kill", "all"], capture_output=True)
            shutil.rmtree(self.work, ignore_errors=True)
            self.work = None

    # ------------------------------------------------------------------ building

    def _build(self) -> Path:
        """The served directory: built on first use, then reused."""
        if self.work is not None:
            return self.work / "www"
        for tool in ("dpkg-deb", "gpg", "gpgconf"):
            if shutil.which(tool) is None:
                raise RuntimeError(f"{tool} is needed for the fake apt repository (.ci/run installs it)")
        self.work = Path(tempfile.mkdtemp(prefix="shipyard-aptrepo-"))
        www = self.work / "www"
        repo = www / "debian"
        arch = _run("dpkg", "--print-architecture").strip()
        debs = [self._agent_package(), self._probe_package()]
        pool = repo / "pool" / "main" / "b" / "blackfire"
        pool.mkdir(parents=True)
        entries = []
        for deb in debs:
            target = pool / deb.name
            shutil.move(deb, target)
            entries.append(self._index_entry(target, target.relative_to(repo).as_posix()))
        packages = repo / "dists" / "any" / "main" / f"binary-{arch}" / "Packages"
        _write(packages, "\n".join(entries))
        release = repo / "dists" / "any" / "Release"
        _write(release, self._release(repo / "dists" / "any", [packages], arch))
        self._sign(release, www / "gpg.key")
        return www

    def _agent_package(self) -> Path:
        assert self.work is not None
        root = self.work / "blackfire"
        _write(root / "usr" / "bin" / "blackfire", AGENT_SCRIPT, 0o755)
        _write(root / "lib" / "systemd" / "system" / "blackfire-agent.service", AGENT_UNIT)
        _write(root / "DEBIAN" / "postinst", AGENT_POSTINST, 0o755)
        _write(root / "DEBIAN" / "prerm", AGENT_PRERM, 0o755)
        _write(root / "DEBIAN" / "postrm", AGENT_POSTRM, 0o755)
        return self._package(root, "blackfire", "Blackfire agent and client (test build)")

    def _probe_package(self) -> Path:
        assert self.work is not None
        root = self.work / "blackfire-php"
        _write(
            root / "usr" / "share" / "doc" / "blackfire-php" / "README",
            "Placeholder for Blackfire's PHP probe, built by Shipyard's tests.\n",
        )
        return self._package(root, "blackfire-php", "Blackfire PHP probe (test build)")

    def _package(self, root: Path, name: str, description: str) -> Path:
        assert self.work is not None
        control = (
            f"Package: {name}\nVersion: {VERSION}\nArchitecture: all\nMaintainer: {MAINTAINER}\n"
            f"Section: devel\nPriority: optional\nDescription: {description}\n"
            " Built by tests/support/aptrepo.py for Shipyard's end-to-end tests.\n"
        )
        _write(root / "DEBIAN" / "control", control)
        deb = self.work / f"{name}_{VERSION}_all.deb"
        _run("dpkg-deb", "--root-owner-group", "--build", str(root), str(deb))
        return deb

    @staticmethod
    def _index_entry(deb: Path, filename: str) -> str:
        control = _run("dpkg-deb", "--field", str(deb)).rstrip("\n")
        data = deb.read_bytes()
        return (
            f"{control}\nFilename: {filename}\nSize: {len(data)}\n"
            f"MD5sum: {hashlib.md5(data).hexdigest()}\nSHA256: {hashlib.sha256(data).hexdigest()}\n"
        )

    @staticmethod
    def _release(suite: Path, indexes: list[Path], arch: str) -> str:
        lines = [
            "Origin: Shipyard tests",
            "Label: Blackfire (test build)",
            "Suite: any",
            "Codename: any",
            f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S UTC', time.gmtime())}",
            f"Architectures: {arch}",
            "Components: main",
            "SHA256:",
        ]
        for index in indexes:
            data, name = index.read_bytes(), index.relative_to(suite).as_posix()
            lines.append(f" {hashlib.sha256(data).hexdigest()} {len(data)} {name}")
        return "\n".join(lines) + "\n"

    def _sign(self, release: Path, public_key: Path) -> None:
        """Sign `Release` with a new throw-away key (InRelease and Release.gpg) and export the key."""
        assert self.work is not None
        gnupg = self.work / "gnupg"
        gnupg.mkdir(mode=0o700)
        env = {**os.environ, "GNUPGHOME": str(gnupg)}
        gpg = ("gpg", "--batch", "--no-tty", "--pinentry-mode", "loopback", "--passphrase", "")
        _run(*gpg, "--quick-gen-key", "Shipyard test apt repository", "ed25519", "sign", "never", env=env)
        _write(public_key, _run(*gpg, "--armor", "--export", env=env))
        suite = release.parent
        _run(*gpg, "--clearsign", "--output", str(suite / "InRelease"), str(release), env=env)
        _run(*gpg, "--armor", "--detach-sign", "--output", str(suite / "Release.gpg"), str(release), env=env)
