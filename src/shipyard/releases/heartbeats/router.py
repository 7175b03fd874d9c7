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
from shipyard.releases.routes import add_delete, add_list_and_get

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


add_list_and_get(
    router, key="heartbeat", plural="heartbeats", scope="heartbeats", read=heartbeat_read,
    envelope_model=HeartbeatEnvelope, list_model=HeartbeatList, all_of=service.all_of, get=service.get,
)  # fmt: skip


@router.post("", response_model=HeartbeatEnvelope)
async def create_heartbeat(
    project_id: ResourceId, body: HeartbeatCreate, principal: HeartbeatsPrincipal, session: DbSession
) -> HeartbeatEnvelope:
    """A heartbeat that goes `missing` when `/heartbeat/{token}` is not requested for `interval`
    minutes (counted from now)."""
    heartbeat = await service.create(session, principal.user, project_id, body)
    audit.record(session, principal.actor, "project.heartbeat.create", subject=f"heartbeat:{heartbeat.id}")
    return HeartbeatEnvelope(heartbeat=heartbeat_read(heartbeat))


add_delete(router, key="heartbeat", scope="heartbeats", delete=service.delete)


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
