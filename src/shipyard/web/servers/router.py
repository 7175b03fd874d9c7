"""Server pages: the list, adding a server, and a server's page with its events and resources."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from shipyard.account import service as account
from shipyard.audit import service as audit
from shipyard.core.errors import NotFound, ShipyardError, ValidationFailed
from shipyard.hostops.packages import FORGE_DATABASE_TYPES, FORGE_PHP_VERSIONS
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.http.urls import public_url
from shipyard.servers import service as servers
from shipyard.servers.schemas import ServerCreate
from shipyard.sites import service as sites
from shipyard.web import sections
from shipyard.web.context import SignedIn, Visitor, mark_dashboard, recover
from shipyard.web.servers.sections import BY_KEY, SECTIONS
from shipyard.web.templating import failure, render

router = APIRouter(dependencies=[Depends(mark_dashboard)], include_in_schema=False)

SERVERS_SHOWN = 50
CREDENTIALS_SHOWN = 100
EVENTS_SHOWN = 30


@router.get("/servers")
async def list_servers(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """The servers (`?table=1`: only the table, which polls while one provisions)."""
    rows, total = await servers.page(session, visitor.user, offset=0, limit=SERVERS_SHOWN)
    template = "servers/_table.html" if request.query_params.get("table") else "servers/list.html"
    return render(request, template, servers=rows, total=total)


async def _new_form(request: Request, visitor: Visitor, session: DbSession, **context: Any) -> HTMLResponse:
    """The two ways to add a server; `submitted` names the form that came back refused."""
    context.setdefault("values", {})
    context.setdefault("errors", {})
    context.setdefault("submitted", None)
    credentials, _ = await account.list_credentials(session, visitor.user, offset=0, limit=CREDENTIALS_SHOWN)
    catalogue = (await account.region_catalogue(session)).regions
    sizes_of = {
        provider: list({size.id: size for region in regions for size in region.sizes}.values())
        for provider, regions in catalogue.items()
    }
    return render(
        request,
        "servers/new.html",
        database_types=FORGE_DATABASE_TYPES,
        php_versions=FORGE_PHP_VERSIONS,
        credentials=credentials,
        credential_types={credential.type for credential in credentials},
        catalogue=catalogue,
        sizes_of=sizes_of,
        **context,
    )


@router.get("/servers/new")
async def new_server(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    return await _new_form(request, visitor, session)


async def _provider(session: DbSession, visitor: Visitor) -> str:
    """ "custom", or the provider of the credential the cloud form chose."""
    chosen = visitor.text("credential_id")
    if not chosen:
        return "custom"
    if not chosen.isdigit():
        raise ValidationFailed({"credential_id": ["Choose one of your credentials."]})
    return (await account.get_credential(session, visitor.user, int(chosen))).type


@router.post("/servers")
async def create_server(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """A custom server (with a root key Shipyard provisions it at once, else the page shows the
    command to run on it as root) or a machine at a provider. The passwords are shown here only."""
    values = visitor.values("root_private_key")
    submitted = "cloud" if "credential_id" in values else "custom"
    try:
        body = visitor.model(ServerCreate, provider=await _provider(session, visitor))
        server, command = await servers.create(
            session, visitor.user, body, base_url=public_url(request), actor=visitor.actor
        )
    except NotFound:
        await recover(session, visitor)
        errors = {"credential_id": ["The credential does not exist."]}
        return await _new_form(request, visitor, session, values=values, submitted=submitted, errors=errors)
    except ShipyardError as exc:
        await recover(session, visitor)
        return await _new_form(request, visitor, session, values=values, submitted=submitted, **failure(exc))
    sudo_password, database_password = await servers.secrets_of(session, server)
    audit.record(session, visitor.actor, "server.create", subject=f"server:{server.id}")
    return render(
        request,
        "servers/created.html",
        server=server,
        command=command,
        sudo_password=sudo_password,
        database_password=database_password,
    )


@router.get("/servers/{server_id}")
async def show_server(
    server_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    server = await servers.get(session, visitor.user, server_id)
    if request.query_params.get("status"):
        fragment = render(request, "servers/_status.html", server=server)
        if server.status not in ("provisioning", "removing"):
            fragment.headers["HX-Refresh"] = "true"  # the page changes: its sections and sites appear
        return fragment
    site_rows, site_total = await sites.page(session, visitor.user, server_id, offset=0, limit=SERVERS_SHOWN)
    return render(
        request,
        "servers/show.html",
        server=server,
        url=f"/servers/{server_id}",
        sites=site_rows,
        site_total=site_total,
        sections=SECTIONS if server.is_ready else (),
    )


@router.get("/servers/{server_id}/events")
async def server_events(
    server_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    rows, total = await servers.events(session, visitor.user, server_id, offset=0, limit=EVENTS_SHOWN)
    return render(request, "servers/_events.html", server_id=server_id, events=rows, total=total)


@router.get("/servers/{server_id}/events/{event_id}")
async def event_output(
    server_id: ResourceId, event_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    output = await servers.event_output(session, visitor.user, server_id, event_id)
    return render(request, "_output.html", output=output)


@router.post("/servers/{server_id}/delete")
async def delete_server(server_id: ResourceId, visitor: SignedIn, session: DbSession) -> Response:
    await servers.delete(session, visitor.user, server_id, actor=visitor.actor)
    audit.record(session, visitor.actor, "server.delete", subject=f"server:{server_id}")
    return RedirectResponse("/servers", status_code=303)


async def _server_page(server_id: ResourceId, visitor: SignedIn, session: DbSession) -> sections.Page:
    await servers.get(session, visitor.user, server_id)
    return sections.Page(server_id, f"/servers/{server_id}")


sections.serve(router, "/servers/{server_id}", BY_KEY, _server_page)
