"""All SQL of daemons."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.servers.daemons.models import Daemon


async def by_id(session: AsyncSession, daemon_id: int) -> Daemon | None:
    return await session.get(Daemon, daemon_id, populate_existing=True)
