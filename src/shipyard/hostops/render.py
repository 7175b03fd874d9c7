"""The Jinja environment every host-side template renders in: strict, and quoting by filter."""

from __future__ import annotations

import shlex
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from shipyard.core.script import Script


def sql_literal(value: str) -> str:
    """A single-quoted SQL string literal for MariaDB/MySQL (backslashes escaped, as MySQL reads them).

    PostgreSQL reads backslashes literally in such a string: use `pg_literal` for any value that
    may hold one.
    """
    return "'" + str(value).replace("\\", "\\\\").replace("'", "''") + "'"


def pg_literal(value: str) -> str:
    """A PostgreSQL escape-string literal (`E'...'`): read alike whatever `standard_conforming_strings` is."""
    return "E" + sql_literal(value)


def mysql_identifier(value: str) -> str:
    """A backquoted MariaDB/MySQL identifier (names are validated first; quoting is the second guard)."""
    return "`" + str(value).replace("`", "``") + "`"


def pg_identifier(value: str) -> str:
    """A double-quoted PostgreSQL identifier (names are validated first; quoting is the second guard)."""
    return '"' + str(value).replace('"', '""') + '"'


@lru_cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("shipyard.hostops", "templates"),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
        # bash uses `{#` (as in `${#array[@]}`), so Jinja comments are spelled [[# ... #]].
        comment_start_string="[[#",
        comment_end_string="#]]",
    )
    env.filters["q"] = lambda value: shlex.quote(str(value))
    env.filters["sql"] = sql_literal
    env.filters["pg_sql"] = pg_literal
    env.filters["mysql_ident"] = mysql_identifier
    env.filters["pg_ident"] = pg_identifier
    return env


def render_template(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def script(
    name: str,
    template: str,
    *,
    files: dict[str, str] | None = None,
    secrets: tuple[str, ...] = (),
    idempotent: bool = True,
    **context: Any,
) -> Script:
    """Render `templates/<template>` (with `common.sh` prepended) into a Script."""
    body = render_template("common.sh.j2") + render_template(template, **context)
    return Script(name=name, body=body, files=files or {}, secrets=secrets, idempotent=idempotent)
