"""Collaborator rules: only the owner manages them; an existing user is added by e-mail address.

What a collaborator may do is decided where the project is looked up
(`releases.projects.service.get` and its `owner_only` flag): they see the project, its servers
and deployments, and deploy or cancel; everything else answers them 404.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth import service as users
from shipyard.auth.models import User
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.core.validation import EMAIL
from shipyard.releases.collaborators import repository
from shipyard.releases.collaborators.models import Collaborator
from shipyard.releases.projects import service as projects

Member = tuple[Collaborator, User]


def _address(email: str) -> str:
    email = email.strip()
    if not EMAIL.match(email):
        raise ValidationFailed({"email": ["The email must be a valid e-mail address."]})
    return email


async def all_of(session: AsyncSession, user: User, project_id: int) -> Sequence[Member]:
    project = await projects.get(session, user, project_id, owner_only=True)
    return await repository.of_project(session, project.id)


async def get(session: AsyncSession, user: User, project_id: int, collaborator_id: int) -> Member:
    """The collaborator whose user id is `collaborator_id` (Envoyer's `id` and pivot id)."""
    project = await projects.get(session, user, project_id, owner_only=True)
    found = await repository.one(session, project.id, collaborator_id)
    if found is None:
        raise NotFound("collaborator")
    return found


async def add(session: AsyncSession, user: User, project_id: int, email: str) -> Sequence[Member]:
    """Give the Shipyard user with this address access to the project (at once); adding a
    collaborator again changes nothing. Returns every collaborator."""
    project = await projects.get(session, user, project_id, owner_only=True)
    member = await users.find_user_by_email(session, _address(email))
    if member is None:
        raise ValidationFailed({"email": ["No Shipyard user has this e-mail address."]})
    if member.id == project.user_id:
        raise ValidationFailed({"email": ["This user owns the project."]})
    if await repository.one(session, project.id, member.id) is None:
        session.add(Collaborator(project_id=project.id, user_id=member.id, status="accepted"))
        await session.flush()
    return await repository.of_project(session, project.id)


async def remove(session: AsyncSession, user: User, project_id: int, email: str) -> None:
    """Take the collaborator's access away; their next request on the project is a 404."""
    project = await projects.get(session, user, project_id, owner_only=True)
    member = await users.find_user_by_email(session, _address(email))
    found = await repository.one(session, project.id, member.id) if member is not None else None
    if found is None:
        raise NotFound("collaborator")
    await session.delete(found[0])
    await session.flush()
