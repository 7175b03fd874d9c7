"""A site's settings card: its domain, aliases, web directory, PHP version and wildcard
subdomains (Forge's site "Meta"). A saved change is applied on the host: the page reloads and
shows the site installing until it is done; a refused one shows the reasons next to the fields."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, Response

from shipyard.audit import service as audit
from shipyard.core.errors import ShipyardError
from shipyard.hostops.packages import FORGE_PHP_VERSIONS
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.sites import service as sites
from shipyard.sites.schemas import SiteUpdate
from shipyard.web.context import SignedIn, Visitor, mark_dashboard, recover
from shipyard.web.templating import failure, render

router = APIRouter(dependencies=[Depends(mark_dashboard)], include_in_schema=False)


def _aliases(text: str) -> list[str]:
    """Aliases typed one a line or separated by commas or spaces."""
    return [alias for alias in text.replace(",", " ").split() if alias]


async def _card(
    request: Request, session: DbSession, visitor: Visitor, server_id: int, site_id: int, **context: Any
) -> HTMLResponse:
    site = await sites.get(session, visitor.user, server_id, site_id)
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return render(
        request,
        "sites/_settings.html",
        site=site,
        php_versions=FORGE_PHP_VERSIONS,
        url=f"/servers/{server_id}/sites/{site_id}",
        **context,
    )


@router.get("/servers/{server_id}/sites/{site_id}/settings")
async def settings_card(
    server_id: ResourceId, site_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    return await _card(request, session, visitor, server_id, site_id)


@router.post("/servers/{server_id}/sites/{site_id}/settings")
async def change_settings(
    server_id: ResourceId, site_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    """Save and apply on the host; the page then reloads to follow the site installing."""
    try:
        body = visitor.model(
            SiteUpdate, aliases=_aliases(visitor.text("aliases")), wildcards=visitor.text("wildcards") == "1"
        )
        site = await sites.update(session, visitor.user, server_id, site_id, body, actor=visitor.actor)
    except ShipyardError as exc:
        await recover(session, visitor)
        refused = {"values": visitor.values(), **failure(exc)}
        return await _card(request, session, visitor, server_id, site_id, **refused)
    audit.record(session, visitor.actor, "site.update", subject=f"site:{site.id}")
    answer = Response(status_code=204)
    answer.headers["HX-Refresh"] = "true"
    return answer
