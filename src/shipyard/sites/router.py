"""Forge's site endpoints: `/api/v1/servers/{server_id}/sites...`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.auth.models import User
from shipyard.hostops.sites import web_path
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.http.urls import public_url
from shipyard.servers.routes import OneRow, one_row
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

SITES = Authenticator("sites")
SitesPrincipal = Annotated[Principal, Depends(SITES)]


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


B = TypeVar("B")


def add_text_file(
    router: APIRouter,
    path: str,
    name: str,
    *,
    action: str,
    read: Callable[[AsyncSession, User, int, int], Awaitable[str]],
    write: Callable[[AsyncSession, User, int, int, B], Awaitable[str]],
    body: Callable[..., Awaitable[B]],
    read_about: str,
    write_about: str,
) -> None:
    """Add `GET path`, one of a site's files as text, and `PUT path`, which replaces it with what
    the dependency `body` reads from the request (audited as `action`) and answers with the new
    text. `name` (`nginx_config`) names the routes (`get_nginx_config`, `update_nginx_config`);
    `read_about` and `write_about` describe them."""
    site_of = one_row(SITES, "site")

    async def get_file(site: OneRow = Depends(site_of)) -> str:
        return await read(site.session, site.principal.user, site.parent_id, site.row_id)

    async def put_file(site: OneRow = Depends(site_of), content: B = Depends(body)) -> str:
        text = await write(site.session, site.principal.user, site.parent_id, site.row_id, content)
        audit.record(site.session, site.principal.actor, action, subject=f"site:{site.row_id}")
        return text

    routes = (("GET", get_file, f"get_{name}", read_about), ("PUT", put_file, f"update_{name}", write_about))
    for method, handler, route_name, about in routes:
        router.add_api_route(
            path,
            handler,
            methods=[method],
            response_class=PlainTextResponse,
            name=route_name,
            description=about,
        )


@router.post("", response_model=SiteEnvelope)
async def create_site(
    server_id: ResourceId, body: SiteCreate, principal: SitesPrincipal, session: DbSession, request: Request
) -> SiteEnvelope:
    site = await service.create(session, principal.user, server_id, body, actor=principal.actor)
    audit.record(session, principal.actor, "site.create", subject=f"site:{site.id}")
    return SiteEnvelope(site=site_read(site, public_url(request)))


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
    url = public_url(request)
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
    return SiteEnvelope(site=site_read(site, public_url(request)))


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
    return SiteEnvelope(site=site_read(site, public_url(request)))


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
    return SiteEnvelope(site=site_read(site, public_url(request)))


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
    return SiteEnvelope(site=site_read(site, public_url(request)))


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


async def _nginx_content(body: NginxContent) -> str:
    return body.content


async def _env_content(body: EnvContent) -> str:
    return body.content


add_text_file(
    router, "/{site_id}/nginx", "nginx_config", action="site.nginx.update", read=service.nginx_config,
    write=service.update_nginx_config, body=_nginx_content,
    read_about="The site's nginx configuration on the server, as text.",
    write_about="Replaces the site's nginx configuration if `nginx -t` passes with it (else 422 on "
    "`content`\nwith its output, and the previous configuration stays); answers with the new configuration.",
)  # fmt: skip
add_text_file(
    router, "/{site_id}/env", "env_file", action="site.env.update", read=service.env,
    write=service.update_env, body=_env_content, read_about="The site's `.env` file, as text.",
    write_about="Writes the site's `.env` (owned by the site user, mode 0640); answers with its content.",
)  # fmt: skip
