"""Pre-provisioned disks: hosts that tests provision through the API start from a copy of one.

Installing nginx, PHP-FPM and the database takes most of a provisioning, so each module that
needs a provisioned server of its own would spend a minute or more on apt. Instead, the
provisioning script Shipyard renders (the same `hostops.server.render_provision`) runs once on a
bare host, whose disk becomes a template (`testhost.sh template`); tests boot hosts from it
(`HostPool.up(template=...)`) and still provision them through the API, which converges in seconds
because the packages are there. Tests of provisioning itself keep booting bare hosts.

A template is named after a digest of the script and of the base it was built on, so a change to
provisioning builds a new one; it is shared by every test worker and session on the machine (one
builds it under a file lock, the others wait); templates of the same kind a day old are removed
when no host uses them.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from shipyard.core.script import HostResult, Script
from shipyard.hostops import packages
from shipyard.hostops.server import ProvisionSpec, render_provision
from shipyard.remote.ssh import Endpoint, Login, Remote
from tests.support.hosts import STATE, Host, HostPool

TEMPLATES = STATE / "templates"
BASE_STAMP = Path(os.environ.get("TH_BASE", "/var/lib/machines/base")) / ".testhost-base"
STALE_AFTER = 24 * 3600  # seconds


def provisioned_template(hosts: HostPool, database_type: str = "mysql8") -> str:
    """The name of a template disk provisioned with `database_type`; built on first use."""
    script = _provisioning(database_type)

    def build(host: Host) -> None:
        result = asyncio.run(_run(host.ip, script))
        if not result.ok:
            raise RuntimeError(f"provisioning a template failed:\n{result.output[-3000:]}")

    return _template(hosts, f"prov-{database_type}", _fingerprint(script), build)


def shell_template(hosts: HostPool, kind: str, setup: str) -> str:
    """The name of a template disk on which the shell script `setup` ran as root (for hosts a
    test sets up by hand, such as the zero-downtime tests' web hosts); built on first use."""
    return _template(
        hosts, kind, f"{BASE_STAMP.read_text()}\0{setup}", lambda host: host.run(setup, timeout=900)
    )


def _template(hosts: HostPool, kind: str, fingerprint: str, build: Callable[[Host], object]) -> str:
    """A template of `kind` named after `fingerprint`'s digest, built by `build` on a bare host
    under a lock shared by every worker (the others wait for it)."""
    name = f"{kind}-{hashlib.sha256(fingerprint.encode()).hexdigest()[:10]}"
    TEMPLATES.mkdir(parents=True, exist_ok=True)
    with (TEMPLATES / f".lock-{kind}").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (TEMPLATES / name / ".testhost-template").exists():
            _prune(kind)
            host = hosts.up()
            try:
                build(host)
            except BaseException:
                hosts.down(host)
                raise
            hosts.keep_as_template(host, name)
    return name


def _provisioning(database_type: str) -> Script:
    debian = packages.distribution("debian-12")
    return render_provision(
        ProvisionSpec(
            user="forge",
            sudo_password="template",
            database_password="template",
            database_name="forge",
            php_version=packages.php_version(debian, "php82"),
            database=packages.database(debian, database_type),
            timezone="UTC",
            authorized_keys=(HostPool.root_key_public(),),  # the script needs one; the suite's own
        )
    )


def _fingerprint(script: Script) -> str:
    files = "".join(f"{name}\0{content}\0" for name, content in sorted(script.files.items()))
    return f"{BASE_STAMP.read_text()}\0{script.body}\0{files}"


async def _run(ip: str, script: Script) -> HostResult:
    remote = Remote()
    try:
        result, _ = await remote.run(
            Endpoint(ip), Login(private_key=HostPool.root_key()), script, pinned_host_key=None, time_limit=900
        )
        return result
    finally:
        await remote.close()


def _prune(kind: str) -> None:
    """Remove templates of `kind` older than a day that no running host is built on (another
    checkout's tests may be about to boot from a newer one)."""
    mounts = Path("/proc/mounts").read_text()
    for old in TEMPLATES.glob(f"{kind}-*"):
        if f"{old}/upper:" not in mounts and time.time() - old.stat().st_mtime > STALE_AFTER:
            shutil.rmtree(old, ignore_errors=True)
