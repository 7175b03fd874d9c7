"""A unique-constraint violation that slips past a service's check is answered as a Laravel 422."""

from __future__ import annotations

import sqlite3

import pytest
from asyncpg.exceptions import UniqueViolationError
from sqlalchemy.exc import IntegrityError

from shipyard.http.errors import taken_field


def _sqlite_violation() -> IntegrityError:
    db = sqlite3.connect(":memory:")
    db.execute(
        "CREATE TABLE sites (id INTEGER PRIMARY KEY, server_id INT, name TEXT, UNIQUE (server_id, name))"
    )
    db.execute("INSERT INTO sites (server_id, name) VALUES (1, 'a.test')")
    try:
        db.execute("INSERT INTO sites (server_id, name) VALUES (1, 'a.test')")
    except sqlite3.IntegrityError as exc:
        return IntegrityError("INSERT INTO sites", {}, exc)
    raise AssertionError("no violation")


class _AsyncpgLike(Exception):
    pass


def test_sqlite_names_the_columns() -> None:
    assert taken_field(_sqlite_violation()) == "name"


def test_postgres_names_the_columns_in_its_detail() -> None:
    # As SQLAlchemy's asyncpg adapter raises it: its own error, caused by asyncpg's.
    violation = UniqueViolationError(
        'duplicate key value violates unique constraint "sites_server_id_name_key"'
    )
    violation.detail = "Key (server_id, name)=(1, a.test) already exists."
    adapted = _AsyncpgLike(f"{type(violation)}: {violation}")
    adapted.__cause__ = violation
    assert taken_field(IntegrityError("INSERT", {}, adapted)) == "name"


@pytest.mark.parametrize(
    "message",
    ["NOT NULL constraint failed: sites.name", "FOREIGN KEY constraint failed", 'violates foreign key "x"'],
)
def test_other_integrity_errors_are_not_a_taken_field(message: str) -> None:
    assert taken_field(IntegrityError("INSERT", {}, _AsyncpgLike(message))) is None
