"""The provisioning renderers: quoting, secrets, and the package mapping."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from shipyard.hostops import packages
from shipyard.hostops.php import render_install as render_php_install
from shipyard.hostops.php import render_opcache
from shipyard.hostops.php import render_update as render_php_update
from shipyard.hostops.server import (
    ProvisionSpec,
    parse_os_release,
    render_handover,
    render_provision,
    render_revoke,
    render_settings,
)

HOSTILE = "x'; touch /tmp/pwned; echo '$(id)`id`"


def spec(**overrides: object) -> ProvisionSpec:
    debian = packages.distribution("debian-12")
    values: dict[str, object] = {
        "user": "forge",
        "sudo_password": HOSTILE,
        "database_password": HOSTILE + "\\",
        "database_name": "app",
        "php_version": "8.2",
        "database": packages.database(debian, "mysql8"),
        "timezone": "Europe/London",
        "authorized_keys": ("ssh-ed25519 AAAAC3Nza shipyard",),
    }
    values.update(overrides)
    return ProvisionSpec(**values)  # type: ignore[arg-type]


def test_provision_script_is_valid_bash_with_secrets_quoted_and_masked() -> None:
    script = render_provision(spec())
    subprocess.run(["bash", "-n"], input=script.body, text=True, check=True)
    assert "printf '%s:%s\\n' \"$USER_NAME\" 'x'\"'\"'; touch /tmp/pwned;" in script.body
    assert script.mask(f"password is {HOSTILE}") == "password is ********"
    sql = script.files["database.sql"]
    assert "IDENTIFIED BY 'x''; touch /tmp/pwned; echo ''$(id)`id`\\\\';" in sql  # SQL-escaped, not executed
    assert "mariadb-server" in script.body and "php8.2-fpm" in script.body


def test_postgres_bootstrap_is_idempotent_sql() -> None:
    debian = packages.distribution("debian-12")
    sql = render_provision(spec(database=packages.database(debian, "postgres"))).files["database.sql"]
    assert "WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'forge')" in sql
    assert (
        "\\gexec" in sql
        and "postgresql-15" in render_provision(spec(database=packages.database(debian, "postgres"))).body
    )


SCRIPTS = {
    "provision-mysql": lambda: render_provision(spec()).body,
    "settings": lambda: render_settings("8.2", "Asia/Tokyo", 64, 90).body,
    "revoke": lambda: render_revoke("ssh-ed25519 AAAA x").body,
    "handover": lambda: render_handover("ssh-ed25519 AAAA x", "http://10.0.0.1/cb?token=a'b"),
    "php-install": lambda: render_php_install("8.2").body,
    "php-update": lambda: render_php_update("8.2").body,
    "php-opcache-on": lambda: render_opcache("8.2", True).body,
    "php-opcache-off": lambda: render_opcache("8.2", False).body,
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_scripts_pass_bash_and_shellcheck(name: str) -> None:
    script = SCRIPTS[name]()
    subprocess.run(["bash", "-n"], input=script, text=True, check=True)
    assert shutil.which("shellcheck"), (
        "shellcheck is required (Debian package shellcheck; .ci/run installs it)"
    )
    checked = subprocess.run(
        ["shellcheck", "-S", "warning", "-s", "bash", "-"], input=script, text=True, capture_output=True
    )
    assert checked.returncode == 0, checked.stdout


def test_package_mapping() -> None:
    debian = packages.distribution(
        packages.distribution_key(parse_os_release('ID=debian\nVERSION_ID="12"\n'))
    )
    assert packages.php_version(debian, "php82") == "8.2"
    assert packages.database(debian, "mysql8").packages == ("mariadb-server", "mariadb-client")
    with pytest.raises(packages.Unavailable, match=r"php84 is not available .* \(available: php82\)"):
        packages.php_version(debian, "php84")
    with pytest.raises(packages.Unavailable, match="mariadb114"):
        packages.database(debian, "mariadb114")
    with pytest.raises(packages.Unavailable, match="debian-11 is not a supported distribution"):
        packages.distribution("debian-11")
    noble = packages.distribution(packages.distribution_key({"ID": "ubuntu", "VERSION_ID": "24.04"}))
    assert packages.php_version(noble, "php83") == "8.3"


def test_log_sources() -> None:
    from shipyard.hostops.logs import log_source, render_tail

    debian = packages.distribution("debian-12")
    mariadb, postgres = packages.database(debian, "mysql8"), packages.database(debian, "postgres")
    assert log_source("database", php_version="8.2", database=mariadb).journal_unit == "mariadb"
    assert log_source("database", php_version="8.2", database=postgres).path.endswith(
        "postgresql-15-main.log"
    )
    assert log_source("php82", php_version="8.2", database=None).path == "/var/log/php8.2-fpm.log"
    for kind, database in (("php74", mariadb), ("database", None), ("syslog", mariadb)):
        with pytest.raises(ValueError):
            log_source(kind, php_version="8.2", database=database)
    tail = render_tail(log_source("database", php_version="8.2", database=mariadb)).body
    subprocess.run(["bash", "-n"], input=tail, text=True, check=True)
