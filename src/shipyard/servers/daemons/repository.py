"""All SQL of daemons."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.servers.daemons.models import Daemon


async def by_id(session: AsyncSession, daemon_id: int) -> Daemon | None:
    return await session.get(Daemon, daemon_id, populate_existing=True)


async def of_server(session: AsyncSession, server_id: int) -> Sequence[Daemon]:
    """The server's daemons, oldest first."""
    rows = await session.scalars(select(Daemon).where(Daemon.server_id == server_id).order_by(Daemon.id))
    return rows.all()
