"""Forge's Blackfire and Papertrail endpoints: `/api/v1/servers/{server_id}/blackfire|papertrail/...`.

Each answers 202 once the change is queued; the server's `blackfire_status` / `papertrail_status`
tells how it went (`installing` -> `installed` | `failed`, `removing` -> null).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.agents import service
from shipyard.servers.agents.schemas import BlackfireInstall, PapertrailInstall

router = APIRouter(prefix="/api/v1/servers/{server_id}", tags=["servers"])

ServersPrincipal = Annotated[Principal, Depends(Authenticator("servers"))]


@router.post("/blackfire/install", status_code=202)
async def install_blackfire(
    server_id: ResourceId, body: BlackfireInstall, principal: ServersPrincipal, session: DbSession
) -> None:
    """Install the Blackfire agent and PHP probe with these server credentials (the token is
    stored encrypted and never returned)."""
    await service.install_blackfire(session, principal.user, server_id, body, actor=principal.actor)
    audit.record(session, principal.actor, "blackfire.install", subject=f"server:{server_id}")


@router.delete("/blackfire/remove", status_code=202)
async def remove_blackfire(server_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> None:
    await service.remove(session, principal.user, server_id, "blackfire", actor=principal.actor)
    audit.record(session, principal.actor, "blackfire.remove", subject=f"server:{server_id}")


@router.post("/papertrail/install", status_code=202)
async def install_papertrail(
    server_id: ResourceId, body: PapertrailInstall, principal: ServersPrincipal, session: DbSession
) -> None:
    """Forward the server's system log (rsyslog, UDP) to `host` (`name-or-ip[:port]`, port 514
    by default)."""
    destination = await service.install_papertrail(
        session, principal.user, server_id, body, actor=principal.actor
    )
    audit.record(
        session,
        principal.actor,
        "papertrail.install",
        subject=f"server:{server_id}",
        details={"host": destination},
    )


@router.delete("/papertrail/remove", status_code=202)
async def remove_papertrail(server_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> None:
    await service.remove(session, principal.user, server_id, "papertrail", actor=principal.actor)
    audit.record(session, principal.actor, "papertrail.remove", subject=f"server:{server_id}")
