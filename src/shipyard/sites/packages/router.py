"""Forge's composer packages authentication: `/api/v1/servers/{server_id}/sites/{site_id}/packages`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.sites.packages import service
from shipyard.sites.packages.schemas import CredentialsRead, HttpBasic, PackagesRead, PackagesUpdate

router = APIRouter(prefix="/api/v1/servers/{server_id}/sites/{site_id}/packages", tags=["sites"])

SitesPrincipal = Annotated[Principal, Depends(Authenticator("sites"))]


def _read(users: dict[str, str]) -> PackagesRead:
    return PackagesRead(
        credentials=CredentialsRead(
            **{"http-basic": {host: HttpBasic(username=name) for host, name in users.items()}}
        )
    )


@router.get("", response_model=PackagesRead, response_model_by_alias=True)
async def get_packages(
    server_id: ResourceId, site_id: ResourceId, principal: SitesPrincipal, session: DbSession
) -> PackagesRead:
    """The site user's composer `http-basic` credentials; passwords are never returned (null)."""
    return _read(await service.get(session, principal.user, server_id, site_id))


@router.put("", response_model=PackagesRead, response_model_by_alias=True)
async def update_packages(
    server_id: ResourceId,
    site_id: ResourceId,
    body: PackagesUpdate,
    principal: SitesPrincipal,
    session: DbSession,
) -> PackagesRead:
    """Makes the `http-basic` credentials of `~/.config/composer/auth.json` (mode 0600) exactly these."""
    users = await service.update(session, principal.user, server_id, site_id, body.credentials)
    audit.record(session, principal.actor, "site.packages.update", subject=f"site:{site_id}")
    return _read(users)
