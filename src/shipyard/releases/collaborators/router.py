"""Envoyer's collaborator endpoints: `/api/projects/{project_id}/collaborators` (owner only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.releases.collaborators import service
from shipyard.releases.collaborators.schemas import (
    CollaboratorEnvelope,
    CollaboratorList,
    CollaboratorRead,
    CollaboratorRequest,
    Pivot,
)

router = APIRouter(prefix="/api/projects/{project_id}/collaborators", tags=["collaborators"])

CollaboratorsPrincipal = Annotated[Principal, Depends(Authenticator("collaborators"))]


def collaborator_read(member: service.Member) -> CollaboratorRead:
    collaborator, user = member
    return CollaboratorRead(
        id=user.id,
        name=user.name,
        email=user.email,
        pivot=Pivot(project_id=collaborator.project_id, collaborator_id=user.id, status=collaborator.status),
    )


@router.get("", response_model=CollaboratorList)
async def list_collaborators(
    project_id: ResourceId, principal: CollaboratorsPrincipal, session: DbSession
) -> CollaboratorList:
    members = await service.all_of(session, principal.user, project_id)
    return CollaboratorList(collaborators=[collaborator_read(m) for m in members])


@router.post("", response_model=CollaboratorList)
async def add_collaborator(
    project_id: ResourceId, body: CollaboratorRequest, principal: CollaboratorsPrincipal, session: DbSession
) -> CollaboratorList:
    """Let an existing Shipyard user (found by e-mail) see and deploy the project."""
    members = await service.add(session, principal.user, project_id, body.email)
    audit.record(session, principal.actor, "project.collaborator.create", subject=f"project:{project_id}")
    return CollaboratorList(collaborators=[collaborator_read(m) for m in members])


@router.get("/{collaborator_id}", response_model=CollaboratorEnvelope)
async def get_collaborator(
    project_id: ResourceId, collaborator_id: ResourceId, principal: CollaboratorsPrincipal, session: DbSession
) -> CollaboratorEnvelope:
    member = await service.get(session, principal.user, project_id, collaborator_id)
    return CollaboratorEnvelope(collaborator=collaborator_read(member))


@router.delete("", status_code=204)
async def remove_collaborator(
    project_id: ResourceId, body: CollaboratorRequest, principal: CollaboratorsPrincipal, session: DbSession
) -> None:
    """Revoke the collaborator's access at once."""
    await service.remove(session, principal.user, project_id, body.email)
    audit.record(session, principal.actor, "project.collaborator.delete", subject=f"project:{project_id}")
