"""Forge's load balancing endpoints: `/api/v1/servers/{server_id}/sites/{site_id}/balancing`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.sites.balancing import service
from shipyard.sites.balancing.models import Balancing
from shipyard.sites.balancing.schemas import BalancingRead, BalancingUpdate, NodeRead

router = APIRouter(prefix="/api/v1/servers/{server_id}/sites/{site_id}/balancing", tags=["load balancing"])

SitesPrincipal = Annotated[Principal, Depends(Authenticator("sites"))]


def balancing_read(balancing: Balancing | None) -> BalancingRead:
    if balancing is None:
        return BalancingRead(nodes=[], method="round_robin", status=None)
    return BalancingRead(
        nodes=[
            NodeRead(
                server_id=node["server_id"],
                weight=node["weight"],
                down=node["down"],
                backup=node["backup"],
                port=node["port"],
            )
            for node in balancing.nodes
        ],
        method=balancing.method,
        status=balancing.status,
    )


@router.get("", response_model=BalancingRead)
async def get_balancing(
    server_id: ResourceId, site_id: ResourceId, principal: SitesPrincipal, session: DbSession
) -> BalancingRead:
    """The servers the site's requests go to (`nodes`) and how they are chosen (`method`)."""
    return balancing_read(await service.get(session, principal.user, server_id, site_id))


@router.put("", response_model=BalancingRead)
async def update_balancing(
    server_id: ResourceId,
    site_id: ResourceId,
    body: BalancingUpdate,
    principal: SitesPrincipal,
    session: DbSession,
) -> BalancingRead:
    """On a load balancer's site: send its requests to `servers` with `method`."""
    balancing = await service.update(session, principal.user, server_id, site_id, body, actor=principal.actor)
    audit.record(session, principal.actor, "balancing.update", subject=f"site:{site_id}")
    return balancing_read(balancing)
