"""Forge's server endpoints: `/api/v1/servers...`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import MAX_ID, ResourceId
from shipyard.http.session import DbSession
from shipyard.http.urls import public_url
from shipyard.servers import service
from shipyard.servers.models import Server, ServerEvent
from shipyard.servers.schemas import (
    DatabasePasswordUpdate,
    EventList,
    EventOutput,
    EventRead,
    PublicKey,
    ServerCreate,
    ServerCreated,
    ServerEnvelope,
    ServerList,
    ServerRead,
    ServerUpdate,
    Tag,
)

router = APIRouter(prefix="/api/v1/servers", tags=["servers"])

ServersPrincipal = Annotated[Principal, Depends(Authenticator("servers"))]


def server_read(server: Server) -> ServerRead:
    return ServerRead(
        id=server.id,
        credential_id=server.credential_id,
        name=server.name,
        type=server.type,
        provider=server.provider,
        provider_id=server.provider_id,
        size=server.size,
        region=server.region,
        ubuntu_version=server.ubuntu_version,
        php_version=server.php_version or None,
        php_cli_version=server.php_cli_version or None,
        opcache_status=server.opcache_status,
        database_type=server.database_type,
        ip_address=server.ip_address,
        private_ip_address=server.private_ip_address,
        ssh_port=server.ssh_port,
        blackfire_status=server.blackfire_status,
        papertrail_status=server.papertrail_status,
        revoked=server.revoked,
        created_at=server.created_at,
        is_ready=server.is_ready,
        status=server.status,
        os=server.os,
        timezone=server.timezone,
        max_upload_size=server.max_upload_size,
        max_execution_time=server.max_execution_time,
        network=server.network,
        tags=[Tag.of(name) for name in server.tags],
    )


def event_read(event: ServerEvent, server_name: str) -> EventRead:
    return EventRead(
        id=event.id,
        server_id=event.server_id,
        ran_as=event.ran_as,
        server_name=server_name,
        description=event.description,
        status=event.status,
        created_at=event.created_at,
    )


@router.post("", response_model=ServerCreated)
async def create_server(
    body: ServerCreate, principal: ServersPrincipal, session: DbSession, request: Request
) -> ServerCreated:
    """Custom servers: with `root_private_key` or `root_password` Shipyard provisions at once over SSH;
    otherwise run `provision_command` on the host as root. Other providers: Shipyard creates the
    machine with the credential, logs in with its own key and provisions it."""
    server, command = await service.create(
        session, principal.user, body, base_url=public_url(request), actor=principal.actor
    )
    sudo_password, database_password = await service.secrets_of(session, server)
    audit.record(session, principal.actor, "server.create", subject=f"server:{server.id}")
    return ServerCreated(
        server=server_read(server),
        sudo_password=sudo_password,
        database_password=database_password,
        provision_command=command,
    )


@router.get("", response_model=ServerList)
async def list_servers(
    principal: ServersPrincipal, session: DbSession, paging: Paging, request: Request, response: Response
) -> ServerList:
    rows, total = await service.page(session, principal.user, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return ServerList(servers=[server_read(row) for row in rows])


@router.get("/events", response_model=list[EventRead])
async def recent_events(
    principal: ServersPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
    server_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> list[EventRead]:
    """Forge answers this one with a bare list."""
    rows, total = await service.events(
        session, principal.user, server_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return [event_read(event, name) for event, name in rows]


@router.get("/{server_id}", response_model=ServerEnvelope)
async def get_server(
    server_id: ResourceId, principal: ServersPrincipal, session: DbSession
) -> ServerEnvelope:
    return ServerEnvelope(server=server_read(await service.get(session, principal.user, server_id)))


@router.put("/{server_id}", response_model=ServerEnvelope)
async def update_server(
    server_id: ResourceId, body: ServerUpdate, principal: ServersPrincipal, session: DbSession
) -> ServerEnvelope:
    server = await service.update(session, principal.user, server_id, body, actor=principal.actor)
    audit.record(
        session,
        principal.actor,
        "server.update",
        subject=f"server:{server_id}",
        details={"fields": sorted(body.model_dump(exclude_unset=True))},
    )
    return ServerEnvelope(server=server_read(server))


@router.delete("/{server_id}", status_code=204)
async def delete_server(server_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> None:
    """A custom server is forgotten at once. A provider's machine is deleted there first: the server
    is `removing` until then, and `failed` (with an event saying why) if the provider refused."""
    await service.delete(session, principal.user, server_id, actor=principal.actor)
    audit.record(session, principal.actor, "server.delete", subject=f"server:{server_id}")


@router.put("/{server_id}/database-password", status_code=204)
async def update_database_password(
    server_id: ResourceId, body: DatabasePasswordUpdate, principal: ServersPrincipal, session: DbSession
) -> None:
    """Updates Shipyard's copy of the database password (the host is not changed)."""
    await service.set_database_password(session, principal.user, server_id, body.password)
    audit.record(session, principal.actor, "server.database_password", subject=f"server:{server_id}")


@router.post("/{server_id}/reboot", status_code=202)
async def reboot_server(server_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> None:
    await service.reboot(session, principal.user, server_id, actor=principal.actor)
    audit.record(session, principal.actor, "server.reboot", subject=f"server:{server_id}")


@router.post("/{server_id}/revoke", status_code=202)
async def revoke_server(server_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> None:
    await service.revoke(session, principal.user, server_id, actor=principal.actor)
    audit.record(session, principal.actor, "server.revoke", subject=f"server:{server_id}")


@router.post("/{server_id}/reconnect", response_model=PublicKey)
async def reconnect_server(
    server_id: ResourceId, principal: ServersPrincipal, session: DbSession
) -> PublicKey:
    return PublicKey(public_key=await service.public_key(session, principal.user, server_id))


@router.post("/{server_id}/reactivate", response_model=ServerEnvelope)
async def reactivate_server(
    server_id: ResourceId, principal: ServersPrincipal, session: DbSession
) -> ServerEnvelope:
    server = await service.reactivate(session, principal.user, server_id)
    audit.record(session, principal.actor, "server.reactivate", subject=f"server:{server_id}")
    return ServerEnvelope(server=server_read(server))


@router.get("/{server_id}/events", response_model=EventList)
async def server_events(
    server_id: ResourceId,
    principal: ServersPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> EventList:
    rows, total = await service.events(
        session, principal.user, server_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return EventList(events=[event_read(event, name) for event, name in rows])


@router.get("/{server_id}/events/{event_id}", response_model=EventOutput)
async def event_output(
    server_id: ResourceId, event_id: ResourceId, principal: ServersPrincipal, session: DbSession
) -> EventOutput:
    return EventOutput(output=await service.event_output(session, principal.user, server_id, event_id))


@router.get("/{server_id}/provision.sh", response_class=PlainTextResponse, include_in_schema=False)
async def provision_script(server_id: ResourceId, token: str, session: DbSession, request: Request) -> str:
    """Fetched by `provision_command` on the host; the one-time token is the authentication."""
    return await service.provision_script(session, server_id, token, base_url=public_url(request))


@router.post("/{server_id}/provision-callback", status_code=202, include_in_schema=False)
async def provision_callback(server_id: ResourceId, token: str, session: DbSession) -> None:
    await service.provision_callback(session, server_id, token)
