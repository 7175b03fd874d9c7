"""Forge's PHP and database options mapped to each supported distribution's own packages.

The one place the mapping lives (README.md shows it as a table). Only what the distribution's
own archive ships is offered: asking for anything else is an error that names what is available,
never a silent substitute.
"""

from __future__ import annotations

from dataclasses import dataclass


class Unavailable(ValueError):
    """The host's package sources cannot provide what was asked for."""


@dataclass(frozen=True)
class Database:
    engine: str  # "mysql" (MySQL or MariaDB, same client and SQL) or "postgres"
    packages: tuple[str, ...]
    service: str
    description: str


@dataclass(frozen=True)
class Distribution:
    key: str
    name: str
    php: dict[str, str]  # Forge's php_version -> the distribution's PHP version
    databases: dict[str, Database]


def _mariadb(version: str) -> Database:
    return Database("mysql", ("mariadb-server", "mariadb-client"), "mariadb", f"MariaDB {version}")


def _mysql(version: str) -> Database:
    return Database("mysql", ("mysql-server", "mysql-client"), "mysql", f"MySQL {version}")


def _postgres(version: str) -> Database:
    return Database(
        "postgres", (f"postgresql-{version}", "postgresql-client"), "postgresql", f"PostgreSQL {version}"
    )


DISTRIBUTIONS: dict[str, Distribution] = {
    "debian-12": Distribution(
        "debian-12",
        "Debian 12 (bookworm)",
        php={"php82": "8.2"},
        databases={
            # Debian ships no MySQL server; MariaDB is its MySQL-compatible server.
            "mysql8": _mariadb("10.11 (Debian's MySQL-compatible server)"),
            "mariadb1011": _mariadb("10.11"),
            "postgres": _postgres("15"),
            "postgres15": _postgres("15"),
        },
    ),
    "ubuntu-22.04": Distribution(
        "ubuntu-22.04",
        "Ubuntu 22.04 (jammy)",
        php={"php81": "8.1"},
        databases={
            "mysql8": _mysql("8.0"),
            "mariadb106": _mariadb("10.6"),
            "postgres": _postgres("14"),
            "postgres14": _postgres("14"),
        },
    ),
    "ubuntu-24.04": Distribution(
        "ubuntu-24.04",
        "Ubuntu 24.04 (noble)",
        php={"php83": "8.3"},
        databases={
            "mysql8": _mysql("8.0"),
            "mariadb1011": _mariadb("10.11"),
            "postgres": _postgres("16"),
            "postgres16": _postgres("16"),
        },
    ),
}

# Every value the Forge API accepts, supported somewhere or not.
FORGE_PHP_VERSIONS = (
    "php84",
    "php83",
    "php82",
    "php81",
    "php80",
    "php74",
    "php73",
    "php72",
    "php71",
    "php70",
    "php56",
)
FORGE_DATABASE_TYPES = (
    "mysql8", "mariadb106", "mariadb1011", "mariadb114",
    "postgres", "postgres13", "postgres14", "postgres15", "postgres16",
)  # fmt: skip
PHP_EXTENSIONS = (
    "fpm", "cli", "mysql", "pgsql", "sqlite3", "curl", "mbstring", "xml", "zip", "bcmath", "intl", "gd",
    "opcache", "readline",
)  # fmt: skip


def distribution_key(os_release: dict[str, str]) -> str:
    """`debian-12` from /etc/os-release's ID and VERSION_ID."""
    major = os_release.get("VERSION_ID", "").strip('"')
    if os_release.get("ID") == "debian":
        major = major.split(".")[0]
    return f"{os_release.get('ID', 'unknown')}-{major}"


def distribution(key: str) -> Distribution:
    found = DISTRIBUTIONS.get(key)
    if found is None:
        supported = ", ".join(d.name for d in DISTRIBUTIONS.values())
        raise Unavailable(f"{key} is not a supported distribution (supported: {supported}).")
    return found


def php_version(dist: Distribution, forge_version: str) -> str:
    if forge_version not in dist.php:
        offered = ", ".join(dist.php)
        raise Unavailable(
            f"{forge_version} is not available from {dist.name}'s packages (available: {offered})."
        )
    return dist.php[forge_version]


def php_packages(version: str) -> list[str]:
    return [f"php{version}-{extension}" for extension in PHP_EXTENSIONS]


def database(dist: Distribution, database_type: str) -> Database:
    if database_type not in dist.databases:
        offered = ", ".join(dist.databases)
        raise Unavailable(
            f"{database_type} is not available from {dist.name}'s packages (available: {offered})."
        )
    return dist.databases[database_type]
