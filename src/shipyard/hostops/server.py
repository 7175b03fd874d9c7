"""Renderers for a server's lifecycle: facts, provisioning, settings, reboot, revoke."""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.core.script import Script
from shipyard.hostops import packages
from shipyard.hostops.render import render_template, script

FIREWALL_PORTS = (22, 80, 443)
BASE_PACKAGES = (
    "nginx",
    "supervisor",
    "cron",
    "ufw",
    "sudo",
    "curl",
    "git",
    "unzip",
    "rsync",
    "ca-certificates",
)


def render_facts() -> Script:
    """Print /etc/os-release, so that the caller can pick the package mapping."""
    return Script(name="facts", body="set -euo pipefail\ncat /etc/os-release\n")


def parse_os_release(output: str) -> dict[str, str]:
    facts: dict[str, str] = {}
    for line in output.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.isidentifier():
            facts[key] = value.strip().strip('"')
    return facts


@dataclass(frozen=True)
class ProvisionSpec:
    user: str
    sudo_password: str
    database_password: str
    database_name: str
    php_version: str  # the distribution's, e.g. "8.2"
    database: packages.Database | None
    timezone: str
    authorized_keys: tuple[str, ...]
    max_upload_size_mb: int = 2
    max_execution_time: int = 30


def render_provision(spec: ProvisionSpec) -> Script:
    """Bring a fresh host to a Forge-style web server; safe to run again (it converges)."""
    package_list = [*BASE_PACKAGES, *packages.php_packages(spec.php_version)]
    files = {
        "php-limits.ini": render_php_limits(spec.max_upload_size_mb, spec.max_execution_time),
        "authorized_keys": "".join(key.strip() + "\n" for key in spec.authorized_keys),
    }
    if spec.database is not None:
        package_list += spec.database.packages
        template = f"sql/{spec.database.engine}_bootstrap.sql.j2"
        files["database.sql"] = render_template(
            template, user=spec.user, password=spec.database_password, database=spec.database_name
        )
    return script(
        "provision",
        "provision.sh.j2",
        files=files,
        secrets=(spec.sudo_password, spec.database_password),
        spec=spec,
        packages=package_list,
        ports=FIREWALL_PORTS,
    )


def render_php_limits(max_upload_size_mb: int, max_execution_time: int) -> str:
    return render_template(
        "php-limits.ini.j2", max_upload_size_mb=max_upload_size_mb, max_execution_time=max_execution_time
    )


def render_settings(
    php_version: str, timezone: str, max_upload_size_mb: int, max_execution_time: int
) -> Script:
    """Apply the server settings that live on the host: timezone and PHP limits."""
    return script(
        "settings",
        "settings.sh.j2",
        files={"php-limits.ini": render_php_limits(max_upload_size_mb, max_execution_time)},
        php_version=php_version,
        timezone=timezone,
    )


def render_reboot() -> Script:
    """Reboot a moment after the SSH command returns, so that the caller sees it succeed."""
    return script("reboot", "reboot.sh.j2", idempotent=False)


def render_revoke(public_key: str) -> Script:
    """Remove Shipyard's key from root's and every user's authorized_keys."""
    return script("revoke", "revoke.sh.j2", public_key=public_key, idempotent=False)


def render_handover(public_key: str, callback_url: str) -> str:
    """The script behind a custom server's `provision_command`, run by its owner as root:
    authorize Shipyard's key, then ask Shipyard to provision over SSH."""
    return render_template("handover.sh.j2", public_key=public_key, callback_url=callback_url)
