"""All SQL of scheduled jobs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.servers.cron.models import ScheduledJob


async def by_id(session: AsyncSession, job_id: int) -> ScheduledJob | None:
    return await session.get(ScheduledJob, job_id, populate_existing=True)


async def of_server(session: AsyncSession, server_id: int) -> Sequence[ScheduledJob]:
    """The server's jobs, oldest first."""
    rows = await session.scalars(
        select(ScheduledJob).where(ScheduledJob.server_id == server_id).order_by(ScheduledJob.id)
    )
    return rows.all()
