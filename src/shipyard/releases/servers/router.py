"""Envoyer's server endpoints: `/api/projects/{project_id}/servers`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.releases.projects import service as projects
from shipyard.releases.servers import service
from shipyard.releases.servers.models import ProjectServer
from shipyard.releases.servers.schemas import (
    ServerCreate,
    ServerEnvelope,
    ServerList,
    ServerRead,
    ServerUpdate,
)

router = APIRouter(prefix="/api/projects/{project_id}/servers", tags=["project servers"])

ServersPrincipal = Annotated[Principal, Depends(Authenticator("servers"))]


def server_read(server: ProjectServer, public_key: str) -> ServerRead:
    return ServerRead(
        id=server.id,
        project_id=server.project_id,
        user_id=server.user_id,
        name=server.name,
        connect_as=server.connect_as,
        ip_address=server.host,
        port=str(server.port),
        php_seven=server.php_version.startswith("php7"),
        php_version=server.php_version,
        freebsd=False,
        receives_code_deployments=server.receives_code_deployments,
        should_restart_fpm=server.should_restart_fpm,
        deployment_path=server.deployment_path,
        php_path=server.php_path,
        composer_path=server.composer_path,
        public_key=public_key + "\n",
        connection_status=server.connection_status,
        connection_error=server.connection_error,
        server_id=server.forge_server_id,
        current_activity=None,
        created_at=server.created_at,
        updated_at=server.updated_at,
    )


async def _read(session: DbSession, principal: Principal, server: ProjectServer) -> ServerRead:
    project = await projects.get(session, principal.user, server.project_id)
    return server_read(server, project.public_key)


@router.get("", response_model=ServerList)
async def list_servers(project_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> ServerList:
    project = await projects.get(session, principal.user, project_id)
    servers = await service.all_of(session, principal.user, project_id)
    return ServerList(servers=[server_read(server, project.public_key) for server in servers])


@router.post("", response_model=ServerEnvelope)
async def create_server(
    project_id: ResourceId, body: ServerCreate, principal: ServersPrincipal, session: DbSession
) -> ServerEnvelope:
    server = await service.create(session, principal.user, project_id, body)
    audit.record(session, principal.actor, "project.server.create", subject=f"project_server:{server.id}")
    return ServerEnvelope(server=await _read(session, principal, server))


@router.get("/{server_id}", response_model=ServerEnvelope)
async def get_server(
    project_id: ResourceId, server_id: ResourceId, principal: ServersPrincipal, session: DbSession
) -> ServerEnvelope:
    server = await service.get(session, principal.user, project_id, server_id)
    return ServerEnvelope(server=await _read(session, principal, server))


@router.put("/{server_id}", response_model=ServerEnvelope)
async def update_server(
    project_id: ResourceId,
    server_id: ResourceId,
    body: ServerUpdate,
    principal: ServersPrincipal,
    session: DbSession,
) -> ServerEnvelope:
    server = await service.update(session, principal.user, project_id, server_id, body)
    audit.record(session, principal.actor, "project.server.update", subject=f"project_server:{server_id}")
    return ServerEnvelope(server=await _read(session, principal, server))


@router.post("/{server_id}/refresh", response_model=ServerEnvelope)
async def refresh_server(
    project_id: ResourceId, server_id: ResourceId, principal: ServersPrincipal, session: DbSession
) -> ServerEnvelope:
    """Connect to the server as `connect_as` with the project's key and record the outcome."""
    server = await service.refresh(session, principal.user, project_id, server_id)
    return ServerEnvelope(server=await _read(session, principal, server))


@router.delete("/{server_id}", status_code=204)
async def delete_server(
    project_id: ResourceId, server_id: ResourceId, principal: ServersPrincipal, session: DbSession
) -> None:
    await service.delete(session, principal.user, project_id, server_id)
    audit.record(session, principal.actor, "project.server.delete", subject=f"project_server:{server_id}")
