"""All SQL of cron jobs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.cron.models import Cron
from shipyard.core.db import fetch_page


async def page(session: AsyncSession, repo_id: int, *, offset: int, limit: int) -> tuple[Sequence[Cron], int]:
    return await fetch_page(
        session, select(Cron).where(Cron.repo_id == repo_id), order_by=Cron.id, offset=offset, limit=limit
    )


async def get(session: AsyncSession, repo_id: int, cron_id: int) -> Cron | None:
    return await session.scalar(select(Cron).where(Cron.repo_id == repo_id, Cron.id == cron_id))


async def by_name(session: AsyncSession, repo_id: int, name: str) -> Cron | None:
    return await session.scalar(select(Cron).where(Cron.repo_id == repo_id, Cron.name == name))


async def due(session: AsyncSession, now: int) -> Sequence[Cron]:
    query = select(Cron).where(Cron.enabled.is_(True), Cron.next_exec <= now).order_by(Cron.next_exec)
    return (await session.scalars(query.limit(100))).all()


async def claim(session: AsyncSession, cron: Cron, due_at: int, following: int) -> bool:
    """Move a due cron to its next run unless another process did first: one run per due time."""
    result = await session.execute(
        update(Cron)
        .where(Cron.id == cron.id, Cron.next_exec == due_at, Cron.enabled.is_(True))
        .values(next_exec=following)
        .execution_options(synchronize_session=False)
    )
    return getattr(result, "rowcount", 0) == 1
