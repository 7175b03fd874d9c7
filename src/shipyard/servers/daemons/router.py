"""Forge's daemon endpoints: `/api/v1/servers/{server_id}/daemons`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.daemons import service
from shipyard.servers.daemons.models import Daemon
from shipyard.servers.daemons.schemas import DaemonCreate, DaemonEnvelope, DaemonList, DaemonRead
from shipyard.servers.routes import add_routes

router = APIRouter(prefix="/api/v1/servers/{server_id}/daemons", tags=["daemons"])

DaemonsPrincipal = Annotated[Principal, Depends(Authenticator("daemons"))]


async def _daemon_body(body: DaemonCreate) -> DaemonCreate:
    return body


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


add_routes(
    router, key="daemon", plural="daemons", scope="daemons", audit_as="daemon", read=daemon_read,
    envelope_model=DaemonEnvelope, list_model=DaemonList, page=service.page, get=service.get,
    body=_daemon_body, create=service.create, delete=service.delete,
)  # fmt: skip


@router.post("/{daemon_id}/restart", response_model=DaemonEnvelope)
async def restart_daemon(
    server_id: ResourceId, daemon_id: ResourceId, principal: DaemonsPrincipal, session: DbSession
) -> DaemonEnvelope:
    daemon = await service.restart(session, principal.user, server_id, daemon_id, actor=principal.actor)
    audit.record(session, principal.actor, "daemon.restart", subject=f"daemon:{daemon_id}")
    return DaemonEnvelope(daemon=daemon_read(daemon))
