"""Site pages: all sites, adding one, and a site's page with deployments (the running one's log
streams live over SSE), its repository, editors, quick deploy, and resource sections."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from shipyard.audit import service as audit
from shipyard.auth.models import User
from shipyard.core.db import get_sessionmaker
from shipyard.core.errors import NotFound, ShipyardError
from shipyard.hostops.git import PROVIDERS as GIT_PROVIDERS
from shipyard.hostops.packages import FORGE_PHP_VERSIONS
from shipyard.hostops.sites import PROJECT_TYPES
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.http.urls import public_url
from shipyard.servers import service as servers
from shipyard.servers.models import Server
from shipyard.sites import service as sites
from shipyard.sites.deployments import service as deployments
from shipyard.sites.deployments.models import SiteDeployment
from shipyard.sites.git import service as git
from shipyard.sites.git.schemas import GitInstall
from shipyard.sites.models import Site
from shipyard.sites.schemas import SiteCreate
from shipyard.web import sections
from shipyard.web.context import SignedIn, Visitor, mark_dashboard, recover
from shipyard.web.sites.sections import BY_KEY, SECTIONS
from shipyard.web.templating import failure, render, templates

router = APIRouter(dependencies=[Depends(mark_dashboard)], include_in_schema=False)

SHOWN = 50
DEPLOYMENTS_SHOWN = 20
ENDED = frozenset({deployments.FINISHED, deployments.FAILED})
STREAM_TICK = 0.5
STREAM_SECONDS = 3600.0
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
EDITORS = {"script": "Deploy script", "env": "Environment (.env)", "nginx": "Nginx configuration"}


def _site_url(server_id: int, site_id: int) -> str:
    return f"/servers/{server_id}/sites/{site_id}"


def _deployment_url(request: Request, site: Site) -> str:
    return f"{public_url(request)}/api/v1/sites/{site.id}/deploy/http?token={quote(site.deploy_token)}"


@router.get("/sites")
async def list_sites(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """Every site on the user's servers (the first fifty servers)."""
    server_rows, _ = await servers.page(session, visitor.user, offset=0, limit=SHOWN)
    found = []
    for server in server_rows:
        rows, _ = await sites.page(session, visitor.user, server.id, offset=0, limit=SHOWN)
        found += [(site, server) for site in rows]
    return render(request, "sites/list.html", sites=found, servers=server_rows)


def _new_form(request: Request, server: Server, **context: Any) -> HTMLResponse:
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return render(
        request,
        "sites/new.html",
        server=server,
        project_types=PROJECT_TYPES,
        php_versions=FORGE_PHP_VERSIONS,
        **context,
    )


@router.get("/servers/{server_id}/sites/new")
async def new_site(
    server_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    return _new_form(request, await servers.get(session, visitor.user, server_id))


@router.post("/servers/{server_id}/sites")
async def create_site(
    server_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    values = visitor.values()
    aliases = [part.strip() for part in visitor.text("aliases").split(",") if part.strip()]
    try:
        body = visitor.model(SiteCreate, aliases=aliases)
        site = await sites.create(session, visitor.user, server_id, body, actor=visitor.actor)
    except ShipyardError as exc:
        await recover(session, visitor)
        server = await servers.get(session, visitor.user, server_id)
        return _new_form(request, server, values=values, **failure(exc))
    audit.record(session, visitor.actor, "site.create", subject=f"site:{site.id}")
    return RedirectResponse(_site_url(server_id, site.id), status_code=303)


async def _latest(session: DbSession, user: User, server_id: int, site_id: int) -> SiteDeployment | None:
    """The newest deployment, with its output loaded."""
    rows, _ = await deployments.page(session, user, server_id, site_id, offset=0, limit=1)
    return await deployments.get(session, user, server_id, site_id, rows[0].id) if rows else None


async def _deploy_panel(
    request: Request, session: DbSession, visitor: Visitor, server_id: int, site_id: int, **context: Any
) -> HTMLResponse:
    """The latest deployment: its log streaming while it runs, else its output and outcome."""
    site = await sites.get(session, visitor.user, server_id, site_id)
    latest = await _latest(session, visitor.user, server_id, site_id)
    output = await deployments.output_of(session, visitor.user, latest) if latest else ""
    return render(
        request,
        "sites/_deploy.html",
        site=site,
        latest=latest,
        output=output,
        running=latest is not None and latest.status not in ENDED,
        url=_site_url(server_id, site_id),
        **context,
    )


@router.get("/servers/{server_id}/sites/{site_id}")
async def show_site(
    server_id: ResourceId, site_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    site = await sites.get(session, visitor.user, server_id, site_id)
    if request.query_params.get("status"):
        fragment = render(request, "sites/_status.html", site=site, url=_site_url(server_id, site_id))
        if site.status not in sections.BUSY and site.repository_status not in sections.BUSY:
            fragment.headers["HX-Refresh"] = "true"  # installed: the page's actions apply now
        return fragment
    server = await servers.get(session, visitor.user, server_id)
    return render(
        request,
        "sites/show.html",
        site=site,
        server=server,
        url=_site_url(server_id, site_id),
        deployment_url=_deployment_url(request, site),
        git_providers=GIT_PROVIDERS,
        editors=EDITORS,
        sections=SECTIONS,
        busy=sections.BUSY,
        values={},
        errors={},
    )


@router.post("/servers/{server_id}/sites/{site_id}/delete")
async def delete_site(
    server_id: ResourceId, site_id: ResourceId, visitor: SignedIn, session: DbSession
) -> Response:
    await sites.delete(session, visitor.user, server_id, site_id, actor=visitor.actor)
    audit.record(session, visitor.actor, "site.delete", subject=f"site:{site_id}")
    return RedirectResponse(f"/servers/{server_id}", status_code=303)


@router.post("/servers/{server_id}/sites/{site_id}/repository")
async def install_repository(
    server_id: ResourceId, site_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    """Clone a repository into the site; the page follows it until it is installed."""
    try:
        body = visitor.model(GitInstall)
        await git.install(
            session,
            visitor.user,
            server_id,
            site_id,
            provider=body.provider,
            repository=body.repository,
            branch=body.branch,
            composer=body.composer,
            actor=visitor.actor,
        )
    except ShipyardError as exc:
        await recover(session, visitor)
        site = await sites.get(session, visitor.user, server_id, site_id)
        values = visitor.values()
        return render(
            request,
            "sites/_repository.html",
            site=site,
            url=_site_url(server_id, site_id),
            git_providers=GIT_PROVIDERS,
            busy=sections.BUSY,
            values=values,
            **failure(exc),
        )
    audit.record(session, visitor.actor, "site.git.install", subject=f"site:{site_id}")
    response = Response(status_code=204)
    response.headers["HX-Refresh"] = "true"
    return response


@router.post("/servers/{server_id}/sites/{site_id}/deploy")
async def deploy_now(
    server_id: ResourceId, site_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    """Queue a deployment and answer with the panel that streams its log."""
    try:
        await deployments.deploy_now(session, visitor.user, server_id, site_id, actor=visitor.actor)
    except ShipyardError as exc:
        await recover(session, visitor)
        return await _deploy_panel(request, session, visitor, server_id, site_id, **failure(exc))
    audit.record(session, visitor.actor, "site.deploy", subject=f"site:{site_id}")
    return await _deploy_panel(request, session, visitor, server_id, site_id)


@router.get("/servers/{server_id}/sites/{site_id}/deploy")
async def deploy_panel(
    server_id: ResourceId, site_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    return await _deploy_panel(request, session, visitor, server_id, site_id)


@router.get("/servers/{server_id}/sites/{site_id}/deployments")
async def deployment_history(
    server_id: ResourceId, site_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    rows, total = await deployments.page(
        session, visitor.user, server_id, site_id, offset=0, limit=DEPLOYMENTS_SHOWN
    )
    return render(
        request,
        "sites/_history.html",
        deployments=rows,
        total=total,
        triggers=deployments.TRIGGERS,
        url=_site_url(server_id, site_id),
    )


@router.get("/servers/{server_id}/sites/{site_id}/deployments/{deployment_id}/output")
async def deployment_output(
    server_id: ResourceId,
    site_id: ResourceId,
    deployment_id: ResourceId,
    request: Request,
    visitor: SignedIn,
    session: DbSession,
) -> Response:
    deployment = await deployments.get(session, visitor.user, server_id, site_id, deployment_id)
    return render(
        request, "_output.html", output=await deployments.output_of(session, visitor.user, deployment)
    )


def _sse(data: str, event: str) -> bytes:
    lines = [f"event: {event}", *(f"data: {line}" for line in data.split("\n"))]
    return ("\n".join(lines) + "\n\n").encode()


@router.get("/servers/{server_id}/sites/{site_id}/deployments/{deployment_id}/stream")
async def stream_deployment(
    server_id: ResourceId,
    site_id: ResourceId,
    deployment_id: ResourceId,
    request: Request,
    visitor: SignedIn,
    session: DbSession,
) -> StreamingResponse:
    """Server-Sent Events: `output` (the log so far, as HTML) whenever it grows, then `done`
    (the outcome) once the deployment has ended."""
    await deployments.get(session, visitor.user, server_id, site_id, deployment_id)
    user = visitor.user

    async def events() -> AsyncIterator[bytes]:
        shown = None
        deadline = asyncio.get_running_loop().time() + STREAM_SECONDS
        while asyncio.get_running_loop().time() < deadline:
            async with get_sessionmaker()() as poll:
                try:
                    deployment = await deployments.get(poll, user, server_id, site_id, deployment_id)
                except NotFound:
                    return
                output = await deployments.output_of(poll, user, deployment)
                status = deployment.status
            if output != shown:
                shown = output
                yield _sse(templates.env.get_template("_log.html").render(output=output), "output")
            if status in ENDED:
                outcome = templates.env.get_template("sites/_outcome.html")
                yield _sse(outcome.render(status=status, url=_site_url(server_id, site_id)), "done")
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(STREAM_TICK)

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)


@router.post("/servers/{server_id}/sites/{site_id}/quick-deploy")
async def quick_deploy(
    server_id: ResourceId, site_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    enabled = visitor.text("enabled") == "1"
    context: dict[str, Any] = {}
    try:
        await deployments.set_quick_deploy(session, visitor.user, server_id, site_id, enabled=enabled)
        action = "site.quick_deploy.enable" if enabled else "site.quick_deploy.disable"
        audit.record(session, visitor.actor, action, subject=f"site:{site_id}")
    except ShipyardError as exc:
        await recover(session, visitor)
        context = failure(exc)
    site = await sites.get(session, visitor.user, server_id, site_id)
    return render(
        request,
        "sites/_quick_deploy.html",
        site=site,
        url=_site_url(server_id, site_id),
        deployment_url=_deployment_url(request, site),
        **context,
    )


async def _read_editor(session: DbSession, user: User, name: str, server_id: int, site_id: int) -> str:
    if name == "script":
        return await deployments.script(session, user, server_id, site_id)
    if name == "env":
        return await sites.env(session, user, server_id, site_id)
    return await sites.nginx_config(session, user, server_id, site_id)


async def _save_editor(session: DbSession, visitor: Visitor, name: str, server_id: int, site_id: int) -> str:
    content = visitor.text("content")
    if name == "script":
        auto_source = visitor.text("auto_source") == "1"
        saved = await deployments.update_script(
            session, visitor.user, server_id, site_id, content, auto_source
        )
        audit.record(session, visitor.actor, "site.deployment_script.update", subject=f"site:{site_id}")
    elif name == "env":
        saved = await sites.update_env(session, visitor.user, server_id, site_id, content)
        audit.record(session, visitor.actor, "site.env.update", subject=f"site:{site_id}")
    else:
        saved = await sites.update_nginx_config(session, visitor.user, server_id, site_id, content)
        audit.record(session, visitor.actor, "site.nginx.update", subject=f"site:{site_id}")
    return saved


@router.get("/servers/{server_id}/sites/{site_id}/editors/{name}")
async def show_editor(
    server_id: ResourceId,
    site_id: ResourceId,
    name: str,
    request: Request,
    visitor: SignedIn,
    session: DbSession,
) -> Response:
    """An editor with the content as it is now (the .env and nginx files are read from the host)."""
    if name not in EDITORS:
        raise NotFound("editor")
    site = await sites.get(session, visitor.user, server_id, site_id)
    context: dict[str, Any] = {}
    try:
        content = await _read_editor(session, visitor.user, name, server_id, site_id)
    except ShipyardError as exc:
        content, context = None, failure(exc)
    return render(
        request,
        "sites/_editor.html",
        name=name,
        title=EDITORS[name],
        content=content,
        site=site,
        url=_site_url(server_id, site_id),
        **context,
    )


@router.post("/servers/{server_id}/sites/{site_id}/editors/{name}")
async def save_editor(
    server_id: ResourceId,
    site_id: ResourceId,
    name: str,
    request: Request,
    visitor: SignedIn,
    session: DbSession,
) -> Response:
    """Save; nginx keeps the old configuration when `nginx -t` refuses the new one (the reason shows)."""
    if name not in EDITORS:
        raise NotFound("editor")
    context: dict[str, Any]
    try:
        content: str | None = await _save_editor(session, visitor, name, server_id, site_id)
        context = {"notice": "Saved."}
    except ShipyardError as exc:
        await recover(session, visitor)
        content, context = visitor.text("content"), failure(exc)
    site = await sites.get(session, visitor.user, server_id, site_id)
    return render(
        request,
        "sites/_editor.html",
        name=name,
        title=EDITORS[name],
        content=content,
        site=site,
        url=_site_url(server_id, site_id),
        **context,
    )


async def _site_page(
    server_id: ResourceId, site_id: ResourceId, visitor: SignedIn, session: DbSession
) -> sections.Page:
    await sites.get(session, visitor.user, server_id, site_id)
    return sections.Page((server_id, site_id), _site_url(server_id, site_id))


sections.serve(router, "/servers/{server_id}/sites/{site_id}", BY_KEY, _site_page)
