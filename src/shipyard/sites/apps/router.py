"""Forge's WordPress and phpMyAdmin endpoints: `/api/v1/servers/{server_id}/sites/{site_id}/wordpress`
and `.../phpmyadmin`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.hostops.apps import PHPMYADMIN, WORDPRESS
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.http.urls import public_url
from shipyard.sites.apps import service
from shipyard.sites.apps.schemas import AppInstall
from shipyard.sites.router import site_read
from shipyard.sites.schemas import SiteEnvelope

router = APIRouter(prefix="/api/v1/servers/{server_id}/sites/{site_id}", tags=["sites"])

SitesPrincipal = Annotated[Principal, Depends(Authenticator("sites"))]


def _routes(path: str, app: str) -> None:
    async def install(
        server_id: ResourceId,
        site_id: ResourceId,
        body: AppInstall,
        principal: SitesPrincipal,
        session: DbSession,
        request: Request,
    ) -> SiteEnvelope:
        site = await service.install(
            session, principal.user, server_id, site_id, app, body, actor=principal.actor
        )
        audit.record(session, principal.actor, f"site.{path}.install", subject=f"site:{site_id}")
        return SiteEnvelope(site=site_read(site, public_url(request)))

    async def uninstall(
        server_id: ResourceId, site_id: ResourceId, principal: SitesPrincipal, session: DbSession
    ) -> None:
        await service.uninstall(session, principal.user, server_id, site_id, app, actor=principal.actor)
        audit.record(session, principal.actor, f"site.{path}.uninstall", subject=f"site:{site_id}")

    router.add_api_route(
        f"/{path}",
        install,
        methods=["POST"],
        response_model=SiteEnvelope,
        name=f"install_{path}",
        summary=f"Install {app}",
        description=f"Installs Debian's {app} package into the site's web directory, configured with the "
        "database and the database user (which gets a new password, kept only in the application's "
        "configuration). The site's `app_status` says how it goes.",
    )
    router.add_api_route(
        f"/{path}",
        uninstall,
        methods=["DELETE"],
        status_code=204,
        name=f"uninstall_{path}",
        summary=f"Uninstall {app}",
        description=f"Removes {app} and reverts the site's web directory to its placeholder page.",
    )


_routes("wordpress", WORDPRESS)
_routes("phpmyadmin", PHPMYADMIN)
