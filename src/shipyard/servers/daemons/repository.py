"""All SQL of daemons."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.core.db import fetch_page
from shipyard.servers.daemons.models import Daemon


async def page(
    session: AsyncSession, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Daemon], int]:
    query = select(Daemon).where(Daemon.server_id == server_id)
    return await fetch_page(session, query, order_by=Daemon.id, offset=offset, limit=limit)


async def get(session: AsyncSession, server_id: int, daemon_id: int) -> Daemon | None:
    return await session.scalar(select(Daemon).where(Daemon.id == daemon_id, Daemon.server_id == server_id))


async def by_id(session: AsyncSession, daemon_id: int) -> Daemon | None:
    return await session.get(Daemon, daemon_id, populate_existing=True)
