"""The backup renderers: valid bash, names checked before they reach a script, dumps made the
documented way, and restores that clean up after themselves."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from shipyard.core.script import HostResult
from shipyard.hostops import backups
from shipyard.hostops.backups import DumpSpec, RestoreSpec

ARCHIVE = "backup-7-20260101000000.tar.gz"
SCRIPTS = {
    "mysql-dump": lambda: backups.render_dump(DumpSpec("mysql", 7, ("shop", "blog_db"), ARCHIVE)),
    "postgres-dump": lambda: backups.render_dump(DumpSpec("postgres", 7, ("shop",), ARCHIVE)),
    "mysql-restore": lambda: backups.render_restore(RestoreSpec("mysql", "shop", "restore-3-ab12.tar.gz")),
    "postgres-restore": lambda: backups.render_restore(
        RestoreSpec("postgres", "shop", "restore-3-ab12.tar.gz")
    ),
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_scripts_pass_bash_and_shellcheck(name: str) -> None:
    body = SCRIPTS[name]().body
    subprocess.run(["bash", "-n"], input=body, text=True, check=True)
    assert shutil.which("shellcheck"), "shellcheck is required (Debian package shellcheck)"
    checked = subprocess.run(
        ["shellcheck", "-S", "warning", "-s", "bash", "-"], input=body, text=True, capture_output=True
    )
    assert checked.returncode == 0, checked.stdout


def test_mysql_dumps_every_database_in_one_transaction_each_into_one_archive() -> None:
    body = SCRIPTS["mysql-dump"]().body
    assert "if command -v mariadb-dump >/dev/null; then dump=mariadb-dump; else dump=mysqldump; fi" in body
    assert body.count("--single-transaction") == 2
    assert 'shop > "$tmp"/shop.sql' in body and 'blog_db > "$tmp"/blog_db.sql' in body
    path = "/var/tmp/shipyard-backups/" + ARCHIVE
    assert f'tar -czf {path}.part -C "$tmp" -- shop.sql blog_db.sql' in body
    assert f"mv -f {path}.part {path}" in body
    # Leftovers of this configuration's interrupted runs go; other configurations' stay.
    assert "rm -f /var/tmp/shipyard-backups/backup-7-*" in body


def test_postgres_dumps_as_postgres_with_clean() -> None:
    body = SCRIPTS["postgres-dump"]().body
    assert 'runuser -u postgres -- pg_dump --no-password --clean --if-exists shop > "$tmp"/shop.sql' in body


def test_restores_load_one_dump_and_remove_the_archive() -> None:
    mysql = SCRIPTS["mysql-restore"]().body
    assert 'trap \'rm -rf "$tmp" "$archive"\' EXIT' in mysql
    assert "archive=/var/tmp/shipyard-backups/restore-3-ab12.tar.gz" in mysql
    assert 'tar -xzf "$archive" -C "$tmp" -- shop.sql' in mysql
    assert 'mysql --protocol=socket -uroot --default-character-set=utf8mb4 shop < "$tmp"/shop.sql' in mysql
    postgres = SCRIPTS["postgres-restore"]().body
    assert 'runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d shop < "$tmp"/shop.sql' in postgres


@pytest.mark.parametrize("name", ["a'b", "a b", "a;b", "$(id)", "a\nb", "", "mysql", "x" * 65])
def test_hostile_database_names_never_reach_a_script(name: str) -> None:
    with pytest.raises(ValueError):
        DumpSpec("mysql", 1, ("shop", name), ARCHIVE)
    with pytest.raises(ValueError):
        RestoreSpec("mysql", name, "restore-1-ab.tar.gz")


@pytest.mark.parametrize(
    "archive", ["../backup-1-1.tar.gz", "backup-1-1.tar", "backup-1-$(id).tar.gz", "x/backup-1-1.tar.gz", ""]
)
def test_archive_names_are_checked(archive: str) -> None:
    with pytest.raises(ValueError):
        DumpSpec("mysql", 1, ("shop",), archive)
    with pytest.raises(ValueError):
        RestoreSpec("postgres", "shop", archive)


def test_a_dump_needs_a_database_and_an_engine() -> None:
    with pytest.raises(ValueError):
        DumpSpec("mysql", 1, (), ARCHIVE)
    with pytest.raises(ValueError):
        DumpSpec("sqlite", 1, ("shop",), ARCHIVE)


def test_the_dump_reports_the_archive_size() -> None:
    assert backups.parse_dump(HostResult("h", 0, "", {"changed": False, "size": 1234})) == 1234
    for result in ({}, {"size": 0}, {"size": "12"}, {"size": True}):
        with pytest.raises(ValueError):
            backups.parse_dump(HostResult("h", 0, "", result))
