"""All SQL of collaborators."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.releases.collaborators.models import Collaborator


async def of_project(session: AsyncSession, project_id: int) -> Sequence[tuple[Collaborator, User]]:
    rows = await session.execute(
        select(Collaborator, User)
        .join(User, User.id == Collaborator.user_id)
        .where(Collaborator.project_id == project_id)
        .order_by(Collaborator.id)
    )
    return [(collaborator, user) for collaborator, user in rows.tuples()]


async def one(session: AsyncSession, project_id: int, user_id: int) -> tuple[Collaborator, User] | None:
    row = await session.execute(
        select(Collaborator, User)
        .join(User, User.id == Collaborator.user_id)
        .where(Collaborator.project_id == project_id, Collaborator.user_id == user_id)
    )
    found = row.tuples().first()
    return (found[0], found[1]) if found else None
