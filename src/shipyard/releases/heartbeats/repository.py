"""All SQL of heartbeats; the state changes are conditional updates, so that a check-in and the
sweep racing each other change a heartbeat once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Update

from shipyard.releases.heartbeats.models import Heartbeat, HeartbeatStatus


async def of_project(session: AsyncSession, project_id: int) -> Sequence[Heartbeat]:
    rows = await session.scalars(
        select(Heartbeat).where(Heartbeat.project_id == project_id).order_by(Heartbeat.id)
    )
    return rows.all()


async def one(session: AsyncSession, project_id: int, heartbeat_id: int) -> Heartbeat | None:
    return await session.scalar(
        select(Heartbeat).where(Heartbeat.project_id == project_id, Heartbeat.id == heartbeat_id)
    )


async def by_token_hash(session: AsyncSession, token_hash: str) -> Heartbeat | None:
    return await session.scalar(select(Heartbeat).where(Heartbeat.token_hash == token_hash))


async def healthy(session: AsyncSession) -> Sequence[Heartbeat]:
    rows = await session.scalars(
        select(Heartbeat).where(Heartbeat.status == HeartbeatStatus.HEALTHY).order_by(Heartbeat.id)
    )
    return rows.all()


async def _changed(session: AsyncSession, statement: Update) -> bool:
    result = await session.execute(statement)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def check_in(session: AsyncSession, heartbeat_id: int, now: datetime) -> bool:
    """Record a check-in; True when it turned a missing heartbeat healthy."""
    recovered = await _changed(
        session,
        update(Heartbeat)
        .where(Heartbeat.id == heartbeat_id, Heartbeat.status == HeartbeatStatus.MISSING)
        .values(status=HeartbeatStatus.HEALTHY, last_checked_in_at=now, updated_at=now),
    )
    if not recovered:
        await session.execute(
            update(Heartbeat)
            .where(Heartbeat.id == heartbeat_id)
            .values(last_checked_in_at=now, updated_at=now)
        )
    return recovered


async def mark_missing(session: AsyncSession, heartbeat: Heartbeat, now: datetime) -> bool:
    """Mark the heartbeat missing unless it checked in (or changed) since it was read."""
    return await _changed(
        session,
        update(Heartbeat)
        .where(
            Heartbeat.id == heartbeat.id,
            Heartbeat.status == HeartbeatStatus.HEALTHY,
            Heartbeat.last_checked_in_at == heartbeat.last_checked_in_at,
        )
        .values(status=HeartbeatStatus.MISSING, updated_at=now),
    )
