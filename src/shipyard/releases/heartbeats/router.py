"""Envoyer's heartbeat endpoints (`/api/projects/{project_id}/heartbeats`, owner only) and the
public check-in URL `/heartbeat/{token}` (GET or POST, no other credential)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.releases.heartbeats import service
from shipyard.releases.heartbeats.models import Heartbeat
from shipyard.releases.heartbeats.schemas import (
    CheckIn,
    HeartbeatCreate,
    HeartbeatEnvelope,
    HeartbeatList,
    HeartbeatRead,
)

router = APIRouter(prefix="/api/projects/{project_id}/heartbeats", tags=["heartbeats"])
check_in_router = APIRouter(prefix="/heartbeat", tags=["heartbeats"])

HeartbeatsPrincipal = Annotated[Principal, Depends(Authenticator("heartbeats"))]
Token = Annotated[str, Path(min_length=1, max_length=128)]


def heartbeat_read(heartbeat: Heartbeat) -> HeartbeatRead:
    return HeartbeatRead(
        id=heartbeat.id,
        project_id=heartbeat.project_id,
        name=heartbeat.name,
        token=heartbeat.token,
        interval=heartbeat.interval,
        status=heartbeat.status,
        last_checked_in_at=heartbeat.last_checked_in_at,
        created_at=heartbeat.created_at,
        updated_at=heartbeat.updated_at,
    )


@router.get("", response_model=HeartbeatList)
async def list_heartbeats(
    project_id: ResourceId, principal: HeartbeatsPrincipal, session: DbSession
) -> HeartbeatList:
    heartbeats = await service.all_of(session, principal.user, project_id)
    return HeartbeatList(heartbeats=[heartbeat_read(h) for h in heartbeats])


@router.post("", response_model=HeartbeatEnvelope)
async def create_heartbeat(
    project_id: ResourceId, body: HeartbeatCreate, principal: HeartbeatsPrincipal, session: DbSession
) -> HeartbeatEnvelope:
    """A heartbeat that goes `missing` when `/heartbeat/{token}` is not requested for `interval`
    minutes (counted from now)."""
    heartbeat = await service.create(session, principal.user, project_id, body)
    audit.record(session, principal.actor, "project.heartbeat.create", subject=f"heartbeat:{heartbeat.id}")
    return HeartbeatEnvelope(heartbeat=heartbeat_read(heartbeat))


@router.get("/{heartbeat_id}", response_model=HeartbeatEnvelope)
async def get_heartbeat(
    project_id: ResourceId, heartbeat_id: ResourceId, principal: HeartbeatsPrincipal, session: DbSession
) -> HeartbeatEnvelope:
    heartbeat = await service.get(session, principal.user, project_id, heartbeat_id)
    return HeartbeatEnvelope(heartbeat=heartbeat_read(heartbeat))


@router.delete("/{heartbeat_id}", status_code=204)
async def delete_heartbeat(
    project_id: ResourceId, heartbeat_id: ResourceId, principal: HeartbeatsPrincipal, session: DbSession
) -> None:
    await service.delete(session, principal.user, project_id, heartbeat_id)
    audit.record(session, principal.actor, "project.heartbeat.delete", subject=f"heartbeat:{heartbeat_id}")


async def _check_in(token: str, session: DbSession) -> CheckIn:
    heartbeat = await service.check_in(session, token)
    assert heartbeat.last_checked_in_at is not None
    return CheckIn(status=heartbeat.status, last_checked_in_at=heartbeat.last_checked_in_at)


@check_in_router.get("/{token}", response_model=CheckIn)
async def check_in(token: Token, session: DbSession) -> CheckIn:
    """Check in (the token is the only credential): the heartbeat is healthy until its next deadline."""
    return await _check_in(token, session)


@check_in_router.post("/{token}", response_model=CheckIn)
async def check_in_by_post(token: Token, session: DbSession) -> CheckIn:
    """The same check-in, for clients that POST."""
    return await _check_in(token, session)
