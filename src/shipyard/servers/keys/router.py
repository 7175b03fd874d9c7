"""Forge's SSH key endpoints: `/api/v1/servers/{server_id}/keys`."""

from __future__ import annotations

from fastapi import APIRouter

from shipyard.servers.keys import service
from shipyard.servers.keys.models import SshKey
from shipyard.servers.keys.schemas import SshKeyCreate, SshKeyEnvelope, SshKeyList, SshKeyRead
from shipyard.servers.routes import add_routes

router = APIRouter(prefix="/api/v1/servers/{server_id}/keys", tags=["keys"])


async def _key_body(body: SshKeyCreate) -> SshKeyCreate:
    return body


def key_read(key: SshKey) -> SshKeyRead:
    return SshKeyRead(
        id=key.id, name=key.name, username=key.username, status=key.status, created_at=key.created_at
    )


add_routes(
    router, key="key", plural="keys", scope="keys", audit_as="key", read=key_read,
    envelope_model=SshKeyEnvelope, list_model=SshKeyList, page=service.page, get=service.get,
    body=_key_body, create=service.create, delete=service.delete,
)  # fmt: skip
