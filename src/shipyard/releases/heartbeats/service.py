"""Heartbeat rules: the owner's CRUD, the public check-in, and the sweep that finds them missing.

A heartbeat is `healthy` from its creation (the interval counts from then) and after each
check-in; it is `missing` once a whole interval plus one minute of grace went by without one
(a minute is SHIPYARD_HEARTBEAT_MINUTE_SECONDS seconds, 60 but in tests). Each change is
announced once to the project's notifications.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.db import utcnow
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.core.settings import get_settings
from shipyard.core.validation import LABEL, LABEL_RULE
from shipyard.releases.heartbeats import repository
from shipyard.releases.heartbeats.models import Heartbeat, HeartbeatStatus
from shipyard.releases.heartbeats.schemas import INTERVALS, HeartbeatCreate
from shipyard.releases.notifications.service import Event, announce
from shipyard.releases.projects import repository as projects_repository
from shipyard.releases.projects import service as projects

GRACE_MINUTES = 1


async def create(session: AsyncSession, user: User, project_id: int, body: HeartbeatCreate) -> Heartbeat:
    project = await projects.get(session, user, project_id, owner_only=True)
    errors: dict[str, list[str]] = {}
    if not LABEL.match(body.name):
        errors["name"] = [LABEL_RULE]
    if body.interval not in INTERVALS:
        errors["interval"] = [f"The interval must be one of: {', '.join(map(str, INTERVALS))} (minutes)."]
    if errors:
        raise ValidationFailed(errors)
    token = secrets.token_urlsafe(24)
    now = utcnow()
    heartbeat = Heartbeat(
        project_id=project.id,
        name=body.name,
        token=token,
        token_hash=projects.token_hash(token),
        interval=body.interval,
        status=HeartbeatStatus.HEALTHY,
        last_checked_in_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(heartbeat)
    await session.flush()
    return heartbeat


async def all_of(session: AsyncSession, user: User, project_id: int) -> Sequence[Heartbeat]:
    project = await projects.get(session, user, project_id, owner_only=True)
    return await repository.of_project(session, project.id)


async def get(session: AsyncSession, user: User, project_id: int, heartbeat_id: int) -> Heartbeat:
    project = await projects.get(session, user, project_id, owner_only=True)
    heartbeat = await repository.one(session, project.id, heartbeat_id)
    if heartbeat is None:
        raise NotFound("heartbeat")
    return heartbeat


async def delete(session: AsyncSession, user: User, project_id: int, heartbeat_id: int) -> None:
    await session.delete(await get(session, user, project_id, heartbeat_id))


async def check_in(session: AsyncSession, token: str) -> Heartbeat:
    """Record a check-in through the heartbeat's public URL (its token is the credential); a
    missing heartbeat turns healthy, and that is announced."""
    heartbeat = await repository.by_token_hash(session, projects.token_hash(token))
    if heartbeat is None:
        raise NotFound("heartbeat")
    now = utcnow()
    if await repository.check_in(session, heartbeat.id, now):
        await session.refresh(heartbeat)
        project = await projects_repository.by_id(session, heartbeat.project_id)
        assert project is not None
        await announce(session, project, Event.HEARTBEAT_HEALTHY, heartbeat=heartbeat)
    else:
        await session.refresh(heartbeat)
    return heartbeat


def deadline(heartbeat: Heartbeat) -> datetime:
    """When the heartbeat is missing without a check-in."""
    minute = get_settings().heartbeat_minute_seconds
    since = heartbeat.last_checked_in_at or heartbeat.created_at
    return since + timedelta(seconds=(heartbeat.interval + GRACE_MINUTES) * minute)


async def sweep(session: AsyncSession) -> list[Heartbeat]:
    """Mark every overdue healthy heartbeat missing and announce it; the ones changed."""
    now = utcnow()
    changed = []
    for heartbeat in await repository.healthy(session):
        if deadline(heartbeat) < now and await repository.mark_missing(session, heartbeat, now):
            await session.refresh(heartbeat)
            project = await projects_repository.by_id(session, heartbeat.project_id)
            assert project is not None
            await announce(session, project, Event.HEARTBEAT_MISSING, heartbeat=heartbeat)
            changed.append(heartbeat)
    return changed
