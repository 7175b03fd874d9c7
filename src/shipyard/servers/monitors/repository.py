"""All SQL of monitors and their samples."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.servers.models import Server
from shipyard.servers.monitors.models import Monitor, MonitorSample


async def of_server(session: AsyncSession, server_id: int) -> Sequence[Monitor]:
    rows = await session.scalars(select(Monitor).where(Monitor.server_id == server_id).order_by(Monitor.id))
    return rows.all()


async def monitored_servers(session: AsyncSession) -> Sequence[int]:
    """Ids of the servers that have monitors and that Shipyard may log in to."""
    rows = await session.scalars(
        select(Server.id)
        .where(Server.is_ready.is_(True), Server.revoked.is_(False))
        .where(Server.id.in_(select(Monitor.server_id)))
        .order_by(Server.id)
    )
    return rows.all()


async def samples_since(session: AsyncSession, server_id: int, since: datetime) -> Sequence[MonitorSample]:
    rows = await session.scalars(
        select(MonitorSample)
        .where(MonitorSample.server_id == server_id, MonitorSample.taken_at >= since)
        .order_by(MonitorSample.taken_at, MonitorSample.id)
    )
    return rows.all()


async def prune_samples(session: AsyncSession, server_id: int, before: datetime) -> None:
    await session.execute(
        delete(MonitorSample).where(MonitorSample.server_id == server_id, MonitorSample.taken_at < before)
    )


async def prune_unmonitored(session: AsyncSession) -> None:
    """Samples of servers that no longer have any monitor."""
    await session.execute(
        delete(MonitorSample).where(MonitorSample.server_id.not_in(select(Monitor.server_id)))
    )
