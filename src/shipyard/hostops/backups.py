"""Renderers for database backups: dump databases into one archive on the host, restore one of them.

A dump writes `<database>.sql` for each database (MariaDB/MySQL: `mariadb-dump`, else
`mysqldump`, with `--single-transaction`; PostgreSQL: `pg_dump --clean --if-exists` as postgres)
and packs them into `WORK_DIR/backup-<configuration>-<UTC stamp>.tar.gz`, which Shipyard then
copies away and deletes: the host never talks to the storage. A restore unpacks one database's
dump from an archive Shipyard copied into WORK_DIR and loads it into that database; the archive
and the unpacked dump are removed whatever happens.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from shipyard.core.script import HostResult, Script
from shipyard.hostops.databases import DatabaseSpec
from shipyard.hostops.render import script

WORK_DIR = "/var/tmp/shipyard-backups"
ARCHIVE = re.compile(r"^(?:backup|restore)-[0-9]{1,10}-[0-9A-Za-z]{1,32}\.tar\.gz\Z")


def archive_name(configuration_id: int, at: datetime) -> str:
    """The archive of a run of the configuration started at `at` (UTC):
    `backup-<id>-<YYYYMMDDHHMMSS>.tar.gz`."""
    return f"backup-{configuration_id}-{at.astimezone(UTC):%Y%m%d%H%M%S}.tar.gz"


def restore_name(backup_id: int, token: str) -> str:
    """The name under which a backup's archive is copied to the host for a restore."""
    return f"restore-{backup_id}-{token}.tar.gz"


def dump_file(database: str) -> str:
    """The archive member that holds the dump of `database`."""
    return f"{database}.sql"


def _check_archive(name: str) -> None:
    if not ARCHIVE.match(name):
        raise ValueError(f"not a backup archive name: {name!r}")


@dataclass(frozen=True)
class DumpSpec:
    engine: str  # mysql | postgres
    configuration_id: int
    databases: tuple[str, ...]
    archive: str  # the archive's file name in WORK_DIR

    def __post_init__(self) -> None:
        if not self.databases:
            raise ValueError("a dump needs at least one database")
        for name in self.databases:
            DatabaseSpec(self.engine, name)
        _check_archive(self.archive)

    @property
    def path(self) -> str:
        return posixpath.join(WORK_DIR, self.archive)


@dataclass(frozen=True)
class RestoreSpec:
    engine: str
    database: str
    archive: str  # the archive's file name in WORK_DIR

    def __post_init__(self) -> None:
        DatabaseSpec(self.engine, self.database)
        _check_archive(self.archive)

    @property
    def path(self) -> str:
        return posixpath.join(WORK_DIR, self.archive)


def render_dump(spec: DumpSpec) -> Script:
    """Dump the databases into the archive `spec.path`; its size is the `size` field of the result.

    Archives an interrupted run of the same configuration left behind are removed first."""
    return script(
        "backup-dump",
        "backup_dump.sh.j2",
        engine=spec.engine,
        spec=spec,
        work=WORK_DIR,
        leftovers=f"backup-{spec.configuration_id}-",
        members=[dump_file(name) for name in spec.databases],
    )


def parse_dump(result: HostResult) -> int:
    """The size in bytes of the archive the dump made."""
    size = result.result.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise ValueError("the host did not report the archive it made")
    return size


def render_restore(spec: RestoreSpec) -> Script:
    """Load the database's dump from the archive `spec.path` into the database (which must exist)."""
    return script(
        "backup-restore",
        "backup_restore.sh.j2",
        engine=spec.engine,
        spec=spec,
        work=WORK_DIR,
        member=dump_file(spec.database),
    )
