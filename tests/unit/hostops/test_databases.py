"""The database renderers: valid bash, names checked twice, passwords only in uploaded files."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import pytest

from shipyard.core.script import HostResult, Script
from shipyard.hostops import databases
from shipyard.hostops.databases import DatabaseSpec, UserSpec

PASSWORD = 'it\'s "a" \\p$(touch /tmp/pwned)`id`; DROP USER root;'
HOSTILE_NAMES = ["a'b", "a`b", 'a"b', "a;b", "a b", "a-b", "a\nb", "a$(id)", "a\\b", "", "é"]


def scripts(engine: str) -> dict[str, Callable[[], Script]]:
    return {
        f"{engine}-create": lambda: databases.render_create_database(DatabaseSpec(engine, "shop_db")),
        f"{engine}-drop": lambda: databases.render_drop_database(DatabaseSpec(engine, "shop_db")),
        f"{engine}-user-create": lambda: databases.render_apply_user(
            UserSpec(engine, "app", ("shop_db", "Other1"), PASSWORD)
        ),
        f"{engine}-user-update": lambda: databases.render_apply_user(UserSpec(engine, "app", ("shop_db",))),
        f"{engine}-user-no-grants": lambda: databases.render_apply_user(UserSpec(engine, "app", ())),
        f"{engine}-user-drop": lambda: databases.render_drop_user(engine, "app"),
        f"{engine}-list": lambda: databases.render_list_databases(engine),
    }


SCRIPTS = {**scripts("mysql"), **scripts("postgres")}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_scripts_pass_bash_and_shellcheck(name: str) -> None:
    body = SCRIPTS[name]().body
    subprocess.run(["bash", "-n"], input=body, text=True, check=True)
    assert shutil.which("shellcheck"), "shellcheck is required (Debian package shellcheck)"
    checked = subprocess.run(
        ["shellcheck", "-S", "warning", "-s", "bash", "-"], input=body, text=True, capture_output=True
    )
    assert checked.returncode == 0, checked.stdout


@pytest.mark.parametrize("engine", databases.ENGINES)
def test_the_password_travels_only_in_the_uploaded_file_and_is_masked(engine: str) -> None:
    script = databases.render_apply_user(UserSpec(engine, "app", ("shop_db",), PASSWORD))
    assert "pwned" not in script.body and "DROP USER root" not in script.body
    sql = script.files["account.sql"]
    assert script.mask(f"near '{PASSWORD}'") == "near '********'"
    if engine == "mysql":
        # MySQL reads backslashes as escapes: both they and the quotes are doubled.
        literal = "'it''s \"a\" \\\\p$(touch /tmp/pwned)`id`; DROP USER root;'"
        assert f"CREATE USER IF NOT EXISTS 'app'@'localhost' IDENTIFIED BY {literal};" in sql
    else:
        assert (
            "ALTER ROLE \"app\" LOGIN PASSWORD E'it''s \"a\" \\\\p$(touch /tmp/pwned)`id`; DROP USER root;';"
            in sql
        )
    # Without a password the user must exist already; nothing is uploaded.
    assert databases.render_apply_user(UserSpec(engine, "app", ())).files == {}


def test_mysql_grants_match_exactly_one_database() -> None:
    body = databases.render_apply_user(UserSpec("mysql", "app", ("shop_db",))).body
    assert databases.grant_pattern("shop_db") == "shop\\_db"
    # `_` matches any character in a MySQL grant: the escaped pattern is granted, others revoked.
    assert "AND BINARY Db NOT IN (BINARY '\"'\"'shop\\\\_db'\"'\"')" in body
    assert "SELECT '\"'\"'shop\\\\_db'\"'\"' AS db" in body


def test_postgres_databases_are_closed_to_public() -> None:
    body = databases.render_create_database(DatabaseSpec("postgres", "shop_db")).body
    assert "pg -d postgres -c 'CREATE DATABASE \"shop_db\"'" in body
    assert "pg -d postgres -c 'REVOKE ALL ON DATABASE \"shop_db\" FROM PUBLIC'" in body


@pytest.mark.parametrize("engine", databases.ENGINES)
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_specs_refuse_what_the_service_would_refuse(engine: str, name: str) -> None:
    assert databases.database_name_error(engine, name)
    assert databases.user_name_error(engine, name)
    with pytest.raises(ValueError):
        DatabaseSpec(engine, name)
    with pytest.raises(ValueError):
        UserSpec(engine, name, ())
    with pytest.raises(ValueError):
        UserSpec(engine, "app", (name,))


def test_names_follow_each_engines_limits_and_reserved_names() -> None:
    assert databases.database_name_error("mysql", "d" * 64) is None
    assert databases.database_name_error("mysql", "d" * 65)
    assert databases.database_name_error("postgres", "d" * 63) is None
    assert databases.database_name_error("postgres", "d" * 64)
    assert databases.user_name_error("mysql", "u" * 32) is None
    assert databases.user_name_error("mysql", "u" * 33)
    assert databases.user_name_error("postgres", "u" * 63) is None
    for name in (
        "mysql",
        "Information_Schema",
        "performance_schema",
        "sys",
        "postgres",
        "template0",
        "template1",
    ):
        assert "reserved" in (databases.database_name_error("mysql", name) or ""), name
        assert "reserved" in (databases.database_name_error("postgres", name) or ""), name
    for name in ("root", "ROOT", "postgres", "public", "pg_monitor", "current_user"):
        assert "reserved" in (databases.user_name_error("postgres", name) or ""), name
    with pytest.raises(ValueError):
        DatabaseSpec("sqlite", "app")
    with pytest.raises(ValueError):
        UserSpec("mysql", "app", (), "")


def test_listing_leaves_out_the_servers_own_databases() -> None:
    result = HostResult(
        "h",
        0,
        "",
        {"databases": ["information_schema", "mysql", "shop", "sys", "performance_schema", "my-db"]},
    )
    assert databases.parse_databases("mysql", result) == ["shop", "my-db"]
    result = HostResult("h", 0, "", {"databases": ["postgres", "app"]})
    assert databases.parse_databases("postgres", result) == ["app"]
    with pytest.raises(ValueError):
        databases.parse_databases("mysql", HostResult("h", 0, "", {}))
