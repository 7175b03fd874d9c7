"""Forge's SSH key endpoints: `/api/v1/servers/{server_id}/keys`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.keys import service
from shipyard.servers.keys.models import SshKey
from shipyard.servers.keys.schemas import SshKeyCreate, SshKeyEnvelope, SshKeyList, SshKeyRead

router = APIRouter(prefix="/api/v1/servers/{server_id}/keys", tags=["keys"])

KeysPrincipal = Annotated[Principal, Depends(Authenticator("keys"))]


def key_read(key: SshKey) -> SshKeyRead:
    return SshKeyRead(
        id=key.id, name=key.name, username=key.username, status=key.status, created_at=key.created_at
    )


@router.post("", response_model=SshKeyEnvelope)
async def create_key(
    server_id: ResourceId, body: SshKeyCreate, principal: KeysPrincipal, session: DbSession
) -> SshKeyEnvelope:
    key = await service.create(session, principal.user, server_id, body, actor=principal.actor)
    audit.record(session, principal.actor, "key.create", subject=f"key:{key.id}")
    return SshKeyEnvelope(key=key_read(key))


@router.get("", response_model=SshKeyList)
async def list_keys(
    server_id: ResourceId,
    principal: KeysPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> SshKeyList:
    rows, total = await service.page(
        session, principal.user, server_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return SshKeyList(keys=[key_read(row) for row in rows])


@router.get("/{key_id}", response_model=SshKeyEnvelope)
async def get_key(
    server_id: ResourceId, key_id: ResourceId, principal: KeysPrincipal, session: DbSession
) -> SshKeyEnvelope:
    return SshKeyEnvelope(key=key_read(await service.get(session, principal.user, server_id, key_id)))


@router.delete("/{key_id}", status_code=204)
async def delete_key(
    server_id: ResourceId, key_id: ResourceId, principal: KeysPrincipal, session: DbSession
) -> None:
    await service.delete(session, principal.user, server_id, key_id, actor=principal.actor)
    audit.record(session, principal.actor, "key.delete", subject=f"key:{key_id}")
