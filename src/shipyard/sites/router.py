"""Forge's site endpoints: `/api/v1/servers/{server_id}/sites...`."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.core.settings import get_settings
from shipyard.hostops.sites import web_path
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.sites import service
from shipyard.sites.models import Site
from shipyard.sites.schemas import (
    EnvContent,
    NginxContent,
    SiteAliases,
    SiteCreate,
    SiteEnvelope,
    SiteList,
    SiteLog,
    SitePhp,
    SiteRead,
    SiteUpdate,
)

router = APIRouter(prefix="/api/v1/servers/{server_id}/sites", tags=["sites"])

SitesPrincipal = Annotated[Principal, Depends(Authenticator("sites"))]


def base_url(request: Request) -> str:
    return (get_settings().public_url or str(request.base_url)).rstrip("/")


def site_read(site: Site, base_url: str) -> SiteRead:
    """Forge's site; the notification fields stay empty."""
    return SiteRead(
        id=site.id,
        name=site.name,
        aliases=site.aliases,
        directory=site.directory,
        wildcards=site.wildcards,
        isolated=site.isolated,
        username=site.username,
        status=site.status,
        repository=site.repository,
        repository_provider=site.repository_provider,
        repository_branch=site.repository_branch,
        repository_status=site.repository_status,
        quick_deploy=site.quick_deploy,
        deployment_status=site.deployment_status,
        project_type=site.project_type,
        app=site.app,
        php_version=site.php_version,
        app_status=site.app_status,
        slack_channel=None,
        telegram_chat_id=None,
        telegram_chat_title=None,
        created_at=site.created_at,
        deployment_url=f"{base_url}/api/v1/sites/{site.id}/deploy/http?token={quote(site.deploy_token)}",
        tags=[],
        web_directory=web_path(site.username, site.name, site.directory),
    )


@router.post("", response_model=SiteEnvelope)
async def create_site(
    server_id: ResourceId, body: SiteCreate, principal: SitesPrincipal, session: DbSession, request: Request
) -> SiteEnvelope:
    site = await service.create(session, principal.user, server_id, body, actor=principal.actor)
    audit.record(session, principal.actor, "site.create", subject=f"site:{site.id}")
    return SiteEnvelope(site=site_read(site, base_url(request)))


@router.get("", response_model=SiteList)
async def list_sites(
    server_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> SiteList:
    rows, total = await service.page(
        session, principal.user, server_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    url = base_url(request)
    return SiteList(sites=[site_read(row, url) for row in rows])


@router.get("/{site_id}", response_model=SiteEnvelope)
async def get_site(
    server_id: ResourceId,
    site_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
    request: Request,
) -> SiteEnvelope:
    site = await service.get(session, principal.user, server_id, site_id)
    return SiteEnvelope(site=site_read(site, base_url(request)))


@router.put("/{site_id}", response_model=SiteEnvelope)
async def update_site(
    server_id: ResourceId,
    site_id: ResourceId,
    body: SiteUpdate,
    principal: SitesPrincipal,
    session: DbSession,
    request: Request,
) -> SiteEnvelope:
    """Changes the domain (`name`), web directory, aliases, wildcards or PHP version."""
    site = await service.update(session, principal.user, server_id, site_id, body, actor=principal.actor)
    audit.record(
        session,
        principal.actor,
        "site.update",
        subject=f"site:{site_id}",
        details={"fields": sorted(body.model_dump(exclude_unset=True))},
    )
    return SiteEnvelope(site=site_read(site, base_url(request)))


@router.put("/{site_id}/php", response_model=SiteEnvelope)
async def change_php_version(
    server_id: ResourceId,
    site_id: ResourceId,
    body: SitePhp,
    principal: SitesPrincipal,
    session: DbSession,
    request: Request,
) -> SiteEnvelope:
    site = await service.change_php(
        session, principal.user, server_id, site_id, body.version, actor=principal.actor
    )
    audit.record(
        session, principal.actor, "site.php", subject=f"site:{site_id}", details={"version": body.version}
    )
    return SiteEnvelope(site=site_read(site, base_url(request)))


@router.put("/{site_id}/aliases", response_model=SiteEnvelope)
async def add_aliases(
    server_id: ResourceId,
    site_id: ResourceId,
    body: SiteAliases,
    principal: SitesPrincipal,
    session: DbSession,
    request: Request,
) -> SiteEnvelope:
    """Adds the aliases to the site's existing ones."""
    site = await service.add_aliases(
        session, principal.user, server_id, site_id, body.aliases, actor=principal.actor
    )
    audit.record(session, principal.actor, "site.aliases", subject=f"site:{site_id}")
    return SiteEnvelope(site=site_read(site, base_url(request)))


@router.delete("/{site_id}", status_code=204)
async def delete_site(
    server_id: ResourceId, site_id: ResourceId, principal: SitesPrincipal, session: DbSession
) -> None:
    """Removes the vhost, the site's files and PHP-FPM pool, and an isolated user with its last site."""
    await service.delete(session, principal.user, server_id, site_id, actor=principal.actor)
    audit.record(session, principal.actor, "site.delete", subject=f"site:{site_id}")


@router.get("/{site_id}/logs", response_model=SiteLog)
async def get_site_log(
    server_id: ResourceId, site_id: ResourceId, principal: SitesPrincipal, session: DbSession
) -> SiteLog:
    """The end of the application's `storage/logs/laravel.log`."""
    return SiteLog(content=await service.log(session, principal.user, server_id, site_id))


@router.delete("/{site_id}/logs", status_code=204)
async def clear_site_log(
    server_id: ResourceId, site_id: ResourceId, principal: SitesPrincipal, session: DbSession
) -> None:
    await service.clear_log(session, principal.user, server_id, site_id)
    audit.record(session, principal.actor, "site.log.clear", subject=f"site:{site_id}")


@router.get("/{site_id}/nginx", response_class=PlainTextResponse)
async def get_nginx_config(
    server_id: ResourceId, site_id: ResourceId, principal: SitesPrincipal, session: DbSession
) -> str:
    """The site's nginx configuration on the server, as text."""
    return await service.nginx_config(session, principal.user, server_id, site_id)


@router.put("/{site_id}/nginx", response_class=PlainTextResponse)
async def update_nginx_config(
    server_id: ResourceId,
    site_id: ResourceId,
    body: NginxContent,
    principal: SitesPrincipal,
    session: DbSession,
) -> str:
    """Replaces the site's nginx configuration if `nginx -t` passes with it (else 422 on `content`
    with its output, and the previous configuration stays); answers with the new configuration."""
    content = await service.update_nginx_config(session, principal.user, server_id, site_id, body.content)
    audit.record(session, principal.actor, "site.nginx.update", subject=f"site:{site_id}")
    return content


@router.get("/{site_id}/env", response_class=PlainTextResponse)
async def get_env_file(
    server_id: ResourceId, site_id: ResourceId, principal: SitesPrincipal, session: DbSession
) -> str:
    """The site's `.env` file, as text."""
    return await service.env(session, principal.user, server_id, site_id)


@router.put("/{site_id}/env", response_class=PlainTextResponse)
async def update_env_file(
    server_id: ResourceId,
    site_id: ResourceId,
    body: EnvContent,
    principal: SitesPrincipal,
    session: DbSession,
) -> str:
    """Writes the site's `.env` (owned by the site user, mode 0640); answers with its content."""
    content = await service.update_env(session, principal.user, server_id, site_id, body.content)
    audit.record(session, principal.actor, "site.env.update", subject=f"site:{site_id}")
    return content
