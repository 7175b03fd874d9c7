"""All SQL of hooks."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.releases.hooks.models import Hook


async def of_project(session: AsyncSession, project_id: int) -> Sequence[Hook]:
    rows = await session.scalars(
        select(Hook)
        .where(Hook.project_id == project_id)
        .order_by(Hook.action_id, Hook.timing.desc(), Hook.sequence, Hook.id)
    )
    return rows.all()


async def one(session: AsyncSession, project_id: int, hook_id: int) -> Hook | None:
    return await session.scalar(select(Hook).where(Hook.project_id == project_id, Hook.id == hook_id))


async def next_sequence(session: AsyncSession, project_id: int, action_id: int, timing: str) -> int:
    last = await session.scalar(
        select(func.max(Hook.sequence)).where(
            Hook.project_id == project_id, Hook.action_id == action_id, Hook.timing == timing
        )
    )
    return (last or 0) + 1
