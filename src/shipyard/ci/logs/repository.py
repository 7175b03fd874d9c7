"""All SQL of step logs."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.logs.models import LogLine
from shipyard.ci.pipelines.models import Step


async def lines(
    session: AsyncSession, step_id: int, *, after: int = -1, limit: int = 5000
) -> Sequence[LogLine]:
    query = select(LogLine).where(LogLine.step_id == step_id, LogLine.line > after)
    return (await session.scalars(query.order_by(LogLine.line, LogLine.id).limit(limit))).all()


async def last_line(session: AsyncSession, step_id: int) -> int:
    return int(await session.scalar(select(func.max(LogLine.line)).where(LogLine.step_id == step_id)) or -1)


async def delete_step(session: AsyncSession, step_id: int) -> None:
    await session.execute(delete(LogLine).where(LogLine.step_id == step_id))


async def delete_pipeline(session: AsyncSession, pipeline_id: int) -> None:
    steps = select(Step.id).where(Step.pipeline_id == pipeline_id)
    await session.execute(delete(LogLine).where(LogLine.step_id.in_(steps)))
