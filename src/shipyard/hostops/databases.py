"""Renderers for databases and database users on the server's MariaDB/MySQL or PostgreSQL.

Names are letters, digits and `_` (checked here as well as in the service) and are quoted as
identifiers on the host. Passwords only travel in uploaded SQL files and are masked in output.
MariaDB/MySQL accounts are `name@localhost` and `name@%`; a grant is `ALL` on the database
(its `_` escaped, so that it matches that database only). In PostgreSQL a grant is `ALL` on
the database, on its `public` schema and on the tables and sequences it holds then; databases
created here are closed to PUBLIC, so that only granted roles may connect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipyard.core.script import HostResult, Script
from shipyard.hostops.render import render_template, script

ENGINES = ("mysql", "postgres")
NAME = re.compile(r"^[A-Za-z0-9_]+\Z")
# Identifier limits: MySQL database names 64, MySQL 8 user names 32 (MariaDB allows 80, but
# 32 fits both), PostgreSQL identifiers 63 bytes.
DATABASE_NAME_LIMIT = {"mysql": 64, "postgres": 63}
USER_NAME_LIMIT = {"mysql": 32, "postgres": 63}
SYSTEM_DATABASES = {
    "mysql": frozenset({"mysql", "information_schema", "performance_schema", "sys"}),
    "postgres": frozenset({"postgres", "template0", "template1"}),
}
# Accounts the database server or the distribution owns, and names PostgreSQL keeps for itself.
RESERVED_USERS = frozenset(
    {"root", "mysql", "mariadb", "postgres", "public", "none", "current_user", "session_user", "current_role"}
)
RESERVED_DATABASES = SYSTEM_DATABASES["mysql"] | SYSTEM_DATABASES["postgres"]


def database_name_error(engine: str, name: str) -> str | None:
    """Why `name` cannot be a database on `engine`, or None when it can."""
    limit = DATABASE_NAME_LIMIT[engine]
    if not NAME.match(name) or len(name) > limit:
        return f"The name may contain letters, digits and '_' (at most {limit})."
    if name.lower() in RESERVED_DATABASES:
        return f"The name {name} is reserved for the database server's own use."
    return None


def user_name_error(engine: str, name: str) -> str | None:
    """Why `name` cannot be a database user on `engine`, or None when it can."""
    limit = USER_NAME_LIMIT[engine]
    if not NAME.match(name) or len(name) > limit:
        return f"The name may contain letters, digits and '_' (at most {limit})."
    if name.lower() in RESERVED_USERS or name.lower().startswith("pg_"):
        return f"The name {name} is reserved for the database server's own use."
    return None


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise ValueError(f"not a database engine: {engine!r}")


@dataclass(frozen=True)
class DatabaseSpec:
    engine: str  # mysql | postgres
    name: str

    def __post_init__(self) -> None:
        # The service validated these already; a renderer never trusts its input.
        _check_engine(self.engine)
        if database_name_error(self.engine, self.name):
            raise ValueError(f"not a valid database name: {self.name!r}")


@dataclass(frozen=True)
class UserSpec:
    engine: str
    name: str
    databases: tuple[str, ...]  # exactly the databases the user may use
    password: str | None = None  # creates the user (or resets its password); None keeps it as it is

    def __post_init__(self) -> None:
        _check_engine(self.engine)
        if user_name_error(self.engine, self.name):
            raise ValueError(f"not a valid database user name: {self.name!r}")
        for database in self.databases:
            DatabaseSpec(self.engine, database)
        if self.password is not None and (not self.password or "\0" in self.password):
            raise ValueError("not a valid password")


def grant_pattern(name: str) -> str:
    """The database pattern of a MySQL grant on exactly `name`: `_` is a wildcard there, so escape it."""
    return name.replace("_", "\\_")


def render_create_database(spec: DatabaseSpec) -> Script:
    """Create the database unless it exists (PostgreSQL: and close it to PUBLIC)."""
    return script("database-create", "database_create.sh.j2", engine=spec.engine, spec=spec)


def render_drop_database(spec: DatabaseSpec) -> Script:
    """Drop the database if it exists (MySQL: and every grant on it, which would outlive it)."""
    return script(
        "database-drop",
        "database_drop.sh.j2",
        engine=spec.engine,
        spec=spec,
        pattern=grant_pattern(spec.name),
    )


def render_apply_user(spec: UserSpec) -> Script:
    """Create the user when a password is given (else it must exist), then make its grants
    exactly `spec.databases`: missing ones are granted, others revoked."""
    files = {}
    if spec.password is not None:
        template = "sql/mysql_account.sql.j2" if spec.engine == "mysql" else "sql/postgres_role.sql.j2"
        files["account.sql"] = render_template(template, name=spec.name, password=spec.password)
    return script(
        "database-user",
        "database_user.sh.j2",
        files=files,
        secrets=(spec.password,) if spec.password else (),
        engine=spec.engine,
        spec=spec,
        patterns=[grant_pattern(name) for name in spec.databases],
    )


def render_drop_user(engine: str, name: str) -> Script:
    """Drop the user and its grants (PostgreSQL: what it owns goes to each database's owner)."""
    return script(
        "database-user-drop", "database_user_drop.sh.j2", engine=engine, spec=UserSpec(engine, name, ())
    )


def render_list_databases(engine: str) -> Script:
    """List the host's databases as the `databases` field (a JSON list) of the script's result."""
    _check_engine(engine)
    return script("database-list", "database_list.sh.j2", engine=engine)


def parse_databases(engine: str, result: HostResult) -> list[str]:
    """The databases the host listed, without the database server's own."""
    listed = result.result.get("databases")
    if not isinstance(listed, list):
        raise ValueError("the host did not list its databases")
    return [name for name in listed if isinstance(name, str) and name not in SYSTEM_DATABASES[engine]]
