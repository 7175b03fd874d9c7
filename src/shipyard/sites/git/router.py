"""Forge's git endpoints: `/api/v1/servers/{server_id}/sites/{site_id}/git` and `/deploy-key`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.http.urls import public_url
from shipyard.sites.git import service
from shipyard.sites.git.schemas import DeployKey, GitInstall, GitUpdate
from shipyard.sites.router import site_read
from shipyard.sites.schemas import SiteEnvelope

router = APIRouter(prefix="/api/v1/servers/{server_id}/sites/{site_id}", tags=["sites"])

SitesPrincipal = Annotated[Principal, Depends(Authenticator("sites"))]


@router.post("/git", response_model=SiteEnvelope)
async def install_repository(
    server_id: ResourceId,
    site_id: ResourceId,
    body: GitInstall,
    principal: SitesPrincipal,
    session: DbSession,
    request: Request,
) -> SiteEnvelope:
    """Clones the repository into the site as the site user (`repository_status` installing, then
    installed or failed); with `composer`, runs composer install when there is a composer.json."""
    site = await service.install(
        session,
        principal.user,
        server_id,
        site_id,
        provider=body.provider,
        repository=body.repository,
        branch=body.branch,
        composer=body.composer,
        actor=principal.actor,
    )
    audit.record(session, principal.actor, "site.git.install", subject=f"site:{site_id}")
    return SiteEnvelope(site=site_read(site, public_url(request)))


@router.put("/git", response_model=SiteEnvelope)
async def update_repository(
    server_id: ResourceId,
    site_id: ResourceId,
    body: GitUpdate,
    principal: SitesPrincipal,
    session: DbSession,
    request: Request,
) -> SiteEnvelope:
    """Points the site's clone at another repository or branch (`git remote set-url`, checkout)."""
    site = await service.update(
        session,
        principal.user,
        server_id,
        site_id,
        provider=body.provider,
        repository=body.repository,
        branch=body.branch,
        actor=principal.actor,
    )
    audit.record(session, principal.actor, "site.git.update", subject=f"site:{site_id}")
    return SiteEnvelope(site=site_read(site, public_url(request)))


@router.delete("/git", response_model=SiteEnvelope)
async def remove_repository(
    server_id: ResourceId,
    site_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
    request: Request,
) -> SiteEnvelope:
    """Takes the repository out of the site (`repository_status` removing, then null)."""
    site = await service.remove(session, principal.user, server_id, site_id, actor=principal.actor)
    audit.record(session, principal.actor, "site.git.remove", subject=f"site:{site_id}")
    return SiteEnvelope(site=site_read(site, public_url(request)))


@router.post("/deploy-key", response_model=DeployKey)
async def create_deploy_key(
    server_id: ResourceId, site_id: ResourceId, principal: SitesPrincipal, session: DbSession
) -> DeployKey:
    """Installs the site's own ed25519 deploy key for the site user (the same key on later calls);
    git uses it for this site's repository."""
    key = await service.create_deploy_key(session, principal.user, server_id, site_id)
    audit.record(session, principal.actor, "site.deploy_key.create", subject=f"site:{site_id}")
    return DeployKey(key=key)


@router.delete("/deploy-key", status_code=204)
async def delete_deploy_key(
    server_id: ResourceId, site_id: ResourceId, principal: SitesPrincipal, session: DbSession
) -> None:
    await service.delete_deploy_key(session, principal.user, server_id, site_id)
    audit.record(session, principal.actor, "site.deploy_key.delete", subject=f"site:{site_id}")
