"""All SQL of scheduled jobs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.core.db import fetch_page
from shipyard.servers.cron.models import ScheduledJob


async def page(
    session: AsyncSession, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[ScheduledJob], int]:
    query = select(ScheduledJob).where(ScheduledJob.server_id == server_id)
    return await fetch_page(session, query, order_by=ScheduledJob.id, offset=offset, limit=limit)


async def get(session: AsyncSession, server_id: int, job_id: int) -> ScheduledJob | None:
    return await session.scalar(
        select(ScheduledJob).where(ScheduledJob.id == job_id, ScheduledJob.server_id == server_id)
    )


async def by_id(session: AsyncSession, job_id: int) -> ScheduledJob | None:
    return await session.get(ScheduledJob, job_id, populate_existing=True)
