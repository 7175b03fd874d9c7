"""Load balancing rules: only on a load balancer's site, to other servers of the same user (by
their private address, else their public one), with nginx's options; a job writes the upstream."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.core.validation import is_ip
from shipyard.hostops.site_rules import BALANCING_METHODS
from shipyard.servers import resources
from shipyard.servers import service as servers
from shipyard.sites import nginx_parts
from shipyard.sites import service as sites
from shipyard.sites.balancing import repository
from shipyard.sites.balancing.models import Balancing
from shipyard.sites.balancing.schemas import BalancingUpdate
from shipyard.sites.service import LOADBALANCER


async def get(session: AsyncSession, user: User, server_id: int, site_id: int) -> Balancing | None:
    """The site's load balancing, or None when it was never set."""
    site = await sites.get(session, user, server_id, site_id)
    return await repository.of_site(session, site.id)


async def _nodes(
    session: AsyncSession, user: User, balancer_id: int, body: BalancingUpdate
) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    nodes: list[dict[str, Any]] = []
    seen: set[int] = set()
    for index, node in enumerate(body.servers):
        field = f"servers.{index}.id"
        if node.id == balancer_id:
            errors[field] = ["The load balancer cannot balance to itself."]
            continue
        if node.id in seen:
            errors[field] = ["The server is listed twice."]
            continue
        seen.add(node.id)
        try:
            backend = await servers.get(session, user, node.id)
        except NotFound:
            errors[field] = ["The server does not exist."]
            continue
        address = backend.private_ip_address or backend.ip_address or ""
        if not is_ip(address):
            errors[field] = ["The server has no IP address yet."]
            continue
        nodes.append(
            {
                "server_id": backend.id,
                "weight": node.weight,
                "port": node.port,
                "backup": node.backup,
                "down": node.down,
                "address": address,
            }
        )
    if body.method == "ip_hash" and any(node.backup for node in body.servers):
        errors.setdefault("method", []).append("nginx cannot use backup servers with ip_hash.")
    return nodes, errors


async def update(
    session: AsyncSession, user: User, server_id: int, site_id: int, body: BalancingUpdate, *, actor: Actor
) -> Balancing:
    """Send the site's requests to `servers` (none: the site answers 502); a job writes the upstream."""
    site, server = await nginx_parts.changeable(session, user, server_id, site_id, "before", "servers")
    if server.type != LOADBALANCER:
        raise servers.ActionFailed("The server is not a load balancer (its type is not loadbalancer).")
    nodes, errors = await _nodes(session, user, server.id, body)
    if body.method not in BALANCING_METHODS:
        errors["method"] = [f"The method must be one of: {', '.join(BALANCING_METHODS)}."]
    if errors:
        raise ValidationFailed(errors)
    balancing = await repository.of_site(session, site.id)
    if balancing is None:
        balancing = Balancing(server_id=server.id, site_id=site.id)
        session.add(balancing)
    balancing.method, balancing.nodes, balancing.status = body.method, nodes, resources.INSTALLING
    await session.flush()
    resources.enqueue(session, "balancing.install", balancing, actor=actor)
    return balancing
