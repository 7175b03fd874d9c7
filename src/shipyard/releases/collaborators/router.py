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
from shipyard.releases.routes import add_list_and_get

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


add_list_and_get(
    router, key="collaborator", plural="collaborators", scope="collaborators", read=collaborator_read,
    envelope_model=CollaboratorEnvelope, list_model=CollaboratorList, all_of=service.all_of,
    get=service.get,
)  # fmt: skip


@router.post("", response_model=CollaboratorList)
async def add_collaborator(
    project_id: ResourceId, body: CollaboratorRequest, principal: CollaboratorsPrincipal, session: DbSession
) -> CollaboratorList:
    """Let an existing Shipyard user (found by e-mail) see and deploy the project."""
    members = await service.add(session, principal.user, project_id, body.email)
    audit.record(session, principal.actor, "project.collaborator.create", subject=f"project:{project_id}")
    return CollaboratorList(collaborators=[collaborator_read(m) for m in members])


@router.delete("", status_code=204)
async def remove_collaborator(
    project_id: ResourceId, body: CollaboratorRequest, principal: CollaboratorsPrincipal, session: DbSession
) -> None:
    """Revoke the collaborator's access at once."""
    await service.remove(session, principal.user, project_id, body.email)
    audit.record(session, principal.actor, "project.collaborator.delete", subject=f"project:{project_id}")
