"""Forge's daemon endpoints: `/api/v1/servers/{server_id}/daemons`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.daemons import service
from shipyard.servers.daemons.models import Daemon
from shipyard.servers.daemons.schemas import DaemonCreate, DaemonEnvelope, DaemonList, DaemonRead

router = APIRouter(prefix="/api/v1/servers/{server_id}/daemons", tags=["daemons"])

DaemonsPrincipal = Annotated[Principal, Depends(Authenticator("daemons"))]


def daemon_read(daemon: Daemon) -> DaemonRead:
    return DaemonRead(
        id=daemon.id,
        command=daemon.command,
        user=daemon.user,
        directory=daemon.directory,
        processes=daemon.processes,
        startsecs=daemon.startsecs,
        stopwaitsecs=daemon.stopwaitsecs,
        stopsignal=daemon.stopsignal,
        status=daemon.status,
        created_at=daemon.created_at,
    )


@router.post("", response_model=DaemonEnvelope)
async def create_daemon(
    server_id: ResourceId, body: DaemonCreate, principal: DaemonsPrincipal, session: DbSession
) -> DaemonEnvelope:
    daemon = await service.create(session, principal.user, server_id, body, actor=principal.actor)
    audit.record(session, principal.actor, "daemon.create", subject=f"daemon:{daemon.id}")
    return DaemonEnvelope(daemon=daemon_read(daemon))


@router.get("", response_model=DaemonList)
async def list_daemons(
    server_id: ResourceId,
    principal: DaemonsPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> DaemonList:
    rows, total = await service.page(
        session, principal.user, server_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return DaemonList(daemons=[daemon_read(row) for row in rows])


@router.get("/{daemon_id}", response_model=DaemonEnvelope)
async def get_daemon(
    server_id: ResourceId, daemon_id: ResourceId, principal: DaemonsPrincipal, session: DbSession
) -> DaemonEnvelope:
    return DaemonEnvelope(
        daemon=daemon_read(await service.get(session, principal.user, server_id, daemon_id))
    )


@router.post("/{daemon_id}/restart", response_model=DaemonEnvelope)
async def restart_daemon(
    server_id: ResourceId, daemon_id: ResourceId, principal: DaemonsPrincipal, session: DbSession
) -> DaemonEnvelope:
    daemon = await service.restart(session, principal.user, server_id, daemon_id, actor=principal.actor)
    audit.record(session, principal.actor, "daemon.restart", subject=f"daemon:{daemon_id}")
    return DaemonEnvelope(daemon=daemon_read(daemon))


@router.delete("/{daemon_id}", status_code=204)
async def delete_daemon(
    server_id: ResourceId, daemon_id: ResourceId, principal: DaemonsPrincipal, session: DbSession
) -> None:
    await service.delete(session, principal.user, server_id, daemon_id, actor=principal.actor)
    audit.record(session, principal.actor, "daemon.delete", subject=f"daemon:{daemon_id}")
