"""All SQL of notifications."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.releases.notifications.models import Notification


async def of_project(session: AsyncSession, project_id: int) -> Sequence[Notification]:
    rows = await session.scalars(
        select(Notification).where(Notification.project_id == project_id).order_by(Notification.id)
    )
    return rows.all()


async def one(session: AsyncSession, project_id: int, notification_id: int) -> Notification | None:
    return await session.scalar(
        select(Notification).where(Notification.project_id == project_id, Notification.id == notification_id)
    )


async def by_id(session: AsyncSession, notification_id: int) -> Notification | None:
    return await session.get(Notification, notification_id)
