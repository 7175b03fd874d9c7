"""Where each Forge log type lives on a host, and the script that reads its tail."""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.core.script import Script
from shipyard.hostops import packages
from shipyard.hostops.render import script

TAIL_LINES = 500


@dataclass(frozen=True)
class LogSource:
    path: str
    journal_unit: str | None = None  # read from the journal when the file does not exist


def log_source(kind: str, *, php_version: str | None, database: packages.Database | None) -> LogSource:
    """The log for Forge's `file` parameter; ValueError names what this server does not have."""
    if kind == "nginx_access":
        return LogSource("/var/log/nginx/access.log")
    if kind == "nginx_error":
        return LogSource("/var/log/nginx/error.log")
    if kind == "database":
        if database is None:
            raise ValueError("This server has no database.")
        if database.engine == "postgres":
            version = database.packages[0].removeprefix("postgresql-")
            return LogSource(f"/var/log/postgresql/postgresql-{version}-main.log", database.service)
        # Debian's MariaDB logs to the journal unless an error log is configured.
        return LogSource("/var/log/mysql/error.log", database.service)
    if php_version is not None and kind == f"php{php_version.replace('.', '')}":
        return LogSource(f"/var/log/php{php_version}-fpm.log", f"php{php_version}-fpm")
    raise ValueError(f"{kind} is not a log of this server.")


def render_tail(source: LogSource, lines: int = TAIL_LINES) -> Script:
    return script("log-tail", "logs_tail.sh.j2", source=source, lines=lines)
