"""All SQL of databases and database users."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload, undefer

from shipyard.core.db import fetch_page
from shipyard.servers.databases.models import Database, DatabaseUser


async def named(session: AsyncSession, server_id: int, name: str) -> Database | None:
    return await session.scalar(
        select(Database).where(Database.server_id == server_id, Database.name == name)
    )


async def names(session: AsyncSession, server_id: int) -> set[str]:
    return set(await session.scalars(select(Database.name).where(Database.server_id == server_id)))


async def of_ids(session: AsyncSession, server_id: int, ids: list[int]) -> Sequence[Database]:
    rows = await session.scalars(
        select(Database).where(Database.server_id == server_id, Database.id.in_(ids)).order_by(Database.id)
    )
    return rows.all()


async def for_host(session: AsyncSession, database_id: int) -> Database | None:
    """The database with its server: what a job needs to render its script."""
    return await session.scalar(
        select(Database)
        .options(joinedload(Database.server))
        .where(Database.id == database_id)
        .execution_options(populate_existing=True)
    )


async def users_page(
    session: AsyncSession, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[DatabaseUser], int]:
    query = (
        select(DatabaseUser)
        .options(selectinload(DatabaseUser.databases))
        .where(DatabaseUser.server_id == server_id)
    )
    return await fetch_page(session, query, order_by=DatabaseUser.id, offset=offset, limit=limit)


async def get_user(session: AsyncSession, server_id: int, user_id: int) -> DatabaseUser | None:
    return await session.scalar(
        select(DatabaseUser)
        .options(selectinload(DatabaseUser.databases))
        .where(DatabaseUser.id == user_id, DatabaseUser.server_id == server_id)
    )


async def user_named(session: AsyncSession, server_id: int, name: str) -> DatabaseUser | None:
    return await session.scalar(
        select(DatabaseUser).where(DatabaseUser.server_id == server_id, DatabaseUser.name == name)
    )


async def user_for_host(session: AsyncSession, user_id: int) -> DatabaseUser | None:
    """The user with its server, its databases and its password (if still kept)."""
    return await session.scalar(
        select(DatabaseUser)
        .options(
            joinedload(DatabaseUser.server),
            selectinload(DatabaseUser.databases),
            undefer(DatabaseUser.password),
        )
        .where(DatabaseUser.id == user_id)
        .execution_options(populate_existing=True)
    )
