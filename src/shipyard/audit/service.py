"""Write and read the audit trail. Every domain records its changes through `record`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import distinct, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.audit.models import AuditEvent
from shipyard.core.actor import Actor
from shipyard.core.db import fetch_page


def record(
    session: AsyncSession,
    actor: Actor | None,
    action: str,
    *,
    subject: str | None = None,
    status_code: int | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an event to the session; it is committed (or dropped) with the change it describes."""
    event = AuditEvent(
        user_id=actor.user_id if actor else None,
        sudoer_id=actor.sudoer_id if actor else None,
        token_id=actor.token_id if actor else None,
        ip=actor.ip if actor else None,
        session_id=actor.session_id if actor else None,
        action=action,
        subject=subject,
        status_code=status_code,
        details=details or {},
    )
    session.add(event)
    return event


async def list_events(
    session: AsyncSession, *, user_id: int | None, offset: int, limit: int
) -> tuple[Sequence[AuditEvent], int]:
    """Newest first; all users' events when `user_id` is None."""
    return await search(session, user_id=user_id, offset=offset, limit=limit)


async def search(
    session: AsyncSession,
    *,
    user_id: int | None,
    action: str | None = None,
    resource: str | None = None,
    offset: int,
    limit: int,
) -> tuple[Sequence[AuditEvent], int]:
    """Newest first, filtered: by user (all users' when None), by action (exactly), and by
    resource: a subject (`project:3`) exactly, or a kind (`project`) as any subject of it."""
    query = select(AuditEvent)
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    if action:
        query = query.where(AuditEvent.action == action)
    if resource:
        if ":" in resource:
            query = query.where(AuditEvent.subject == resource)
        else:
            kind = resource.replace("\\", "").replace("%", "").replace("_", "\\_")
            query = query.where(
                or_(AuditEvent.subject == resource, AuditEvent.subject.like(f"{kind}:%", escape="\\"))
            )
    return await fetch_page(session, query, order_by=AuditEvent.id.desc(), offset=offset, limit=limit)


async def actions(session: AsyncSession, *, user_id: int | None) -> list[str]:
    """The actions recorded (for the user, or for everyone when None), sorted."""
    query = select(distinct(AuditEvent.action))
    if user_id is not None:
        query = query.where(AuditEvent.user_id == user_id)
    return sorted(await session.scalars(query))
