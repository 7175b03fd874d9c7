"""Woodpecker's forge endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from shipyard.audit import service as audit
from shipyard.ci.access import ForgesAdmin, Guest, user_of
from shipyard.ci.forges import service
from shipyard.ci.forges.schemas import ForgeCreate, ForgeOut, ForgePatch
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession

router = APIRouter(prefix="/api/forges", tags=["ci forges"])


def _admin(principal: Guest) -> bool:
    user = user_of(principal)
    return bool(user and user.is_admin)


@router.get("", response_model=list[ForgeOut])
async def list_forges(
    principal: Guest, session: DbSession, paging: Paging, request: Request, response: Response
) -> list[ForgeOut]:
    """Public; only administrators see client ids and options."""
    rows, total = await service.page(session, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return [service.read(f, admin=_admin(principal)) for f in rows]


@router.post("", response_model=ForgeOut)
async def create_forge(body: ForgeCreate, principal: ForgesAdmin, session: DbSession) -> ForgeOut:
    forge = await service.create(session, body)
    audit.record(session, principal.actor, "ci.forge.create", subject=f"ci-forge:{forge.id}")
    return service.read(forge, admin=True)


@router.get("/{forge_id}", response_model=ForgeOut)
async def get_forge(forge_id: ResourceId, principal: Guest, session: DbSession) -> ForgeOut:
    return service.read(await service.get(session, forge_id), admin=_admin(principal))


@router.patch("/{forge_id}", response_model=ForgeOut)
async def update_forge(
    forge_id: ResourceId, body: ForgePatch, principal: ForgesAdmin, session: DbSession
) -> ForgeOut:
    forge = await service.update(session, forge_id, body)
    audit.record(session, principal.actor, "ci.forge.update", subject=f"ci-forge:{forge.id}")
    return service.read(forge, admin=True)


@router.delete("/{forge_id}", status_code=200)
async def delete_forge(forge_id: ResourceId, principal: ForgesAdmin, session: DbSession) -> Response:
    """Deletes the forge with its repositories and their pipelines."""
    await service.delete(session, forge_id)
    audit.record(session, principal.actor, "ci.forge.delete", subject=f"ci-forge:{forge_id}")
    return Response(status_code=200)
