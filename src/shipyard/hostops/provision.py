"""Renderers for a server's lifecycle: facts, provisioning, and host settings."""

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
