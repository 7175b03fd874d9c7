"""All SQL of scheduled jobs."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.servers.cron.models import ScheduledJob


async def by_id(session: AsyncSession, job_id: int) -> ScheduledJob | None:
    return await session.get(ScheduledJob, job_id, populate_existing=True)
