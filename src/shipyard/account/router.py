"""Forge's `/user`, `/credentials` and `/regions`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.account import service
from shipyard.account.schemas import (
    CredentialCreate,
    CredentialEnvelope,
    CredentialList,
    CredentialRead,
    ForgeUserEnvelope,
    RegionCatalogue,
)
from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession

router = APIRouter(prefix="/api/v1", tags=["account"])

UserPrincipal = Annotated[Principal, Depends(Authenticator("user"))]
CredentialsPrincipal = Annotated[Principal, Depends(Authenticator("credentials"))]


@router.get("/user", response_model=ForgeUserEnvelope)
async def get_user(principal: UserPrincipal, session: DbSession) -> ForgeUserEnvelope:
    return ForgeUserEnvelope(user=await service.forge_user(session, principal.user))


@router.get("/credentials", response_model=CredentialList)
async def list_credentials(
    principal: CredentialsPrincipal, session: DbSession, paging: Paging, request: Request, response: Response
) -> CredentialList:
    rows, total = await service.list_credentials(
        session, principal.user, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return CredentialList(credentials=[CredentialRead.model_validate(r) for r in rows])


@router.post("/credentials", response_model=CredentialEnvelope, status_code=201)
async def create_credential(
    body: CredentialCreate, principal: CredentialsPrincipal, session: DbSession
) -> CredentialEnvelope:
    """Shipyard's addition: store a provider API credential (encrypted; never shown again)."""
    credential = await service.create_credential(session, principal.user, body)
    audit.record(session, principal.actor, "credential.create", subject=f"credential:{credential.id}")
    return CredentialEnvelope(credential=CredentialRead.model_validate(credential))


@router.get("/credentials/{credential_id}", response_model=CredentialEnvelope)
async def get_credential(
    credential_id: ResourceId, principal: CredentialsPrincipal, session: DbSession
) -> CredentialEnvelope:
    credential = await service.get_credential(session, principal.user, credential_id)
    return CredentialEnvelope(credential=CredentialRead.model_validate(credential))


@router.delete("/credentials/{credential_id}", status_code=204)
async def delete_credential(
    credential_id: ResourceId, principal: CredentialsPrincipal, session: DbSession
) -> None:
    await service.delete_credential(session, principal.user, credential_id)
    audit.record(session, principal.actor, "credential.delete", subject=f"credential:{credential_id}")


@router.get("/regions", response_model=RegionCatalogue)
async def list_regions(principal: UserPrincipal, session: DbSession) -> RegionCatalogue:
    return await service.region_catalogue(session)
