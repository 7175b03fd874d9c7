"""Firewall rule rules: validation, ownership through the server, and the jobs that apply them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import ValidationFailed
from shipyard.core.validation import LABEL, LABEL_RULE, ip_or_network, port_or_range
from shipyard.servers import owned, resources
from shipyard.servers import service as servers
from shipyard.servers.firewall import repository
from shipyard.servers.firewall.models import FirewallRule
from shipyard.servers.firewall.schemas import RULE_TYPES, FirewallRuleCreate


def _validate(body: FirewallRuleCreate) -> tuple[dict[str, list[str]], str | None, str | None]:
    """Errors by field, the canonical port and the canonical source address (None: anywhere)."""
    errors: dict[str, list[str]] = {}
    if not LABEL.match(body.name):
        errors["name"] = [LABEL_RULE]
    port = port_or_range(body.port)
    if port is None:
        errors["port"] = ["The port must be a port (1-65535) or an ascending range such as 8000:8100."]
    source = None
    if body.ip_address:
        source = ip_or_network(body.ip_address)
        if source is None:
            errors["ip_address"] = [
                "The ip address must be an IPv4 or IPv6 address or a network such as 10.0.0.0/8."
            ]
    if body.type.lower() not in RULE_TYPES:
        errors["type"] = [f"The type must be one of: {', '.join(RULE_TYPES)}."]
    return errors, port, source


async def create(
    session: AsyncSession, user: User, server_id: int, body: FirewallRuleCreate, *, actor: Actor
) -> FirewallRule:
    server = await servers.get(session, user, server_id)
    errors, port, source = _validate(body)
    if errors:
        raise ValidationFailed(errors)
    assert port is not None
    if (existing := await repository.same_target(session, server.id, port, source)) is not None:
        raise ValidationFailed(
            {"port": [f"Firewall rule {existing.id} already covers this port and ip address on this server."]}
        )
    servers.require_ready(server)
    rule = FirewallRule(
        server_id=server.id, name=body.name, port=port, type=body.type.lower(), ip_address=source
    )
    session.add(rule)
    await session.flush()
    resources.enqueue(session, "firewall.install", rule, actor=actor)
    return rule


async def page(
    session: AsyncSession, user: User, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[FirewallRule], int]:
    return await owned.page(session, user, FirewallRule, server_id, offset=offset, limit=limit)


async def get(session: AsyncSession, user: User, server_id: int, rule_id: int) -> FirewallRule:
    return await owned.get(session, user, FirewallRule, server_id, rule_id, "firewall rule")


async def delete(session: AsyncSession, user: User, server_id: int, rule_id: int, *, actor: Actor) -> None:
    """Marks the rule `removing`; the job deletes it from ufw and then deletes the row."""
    rule = await get(session, user, server_id, rule_id)
    servers.require_ready(await servers.get(session, user, server_id))
    resources.mark_removing(session, "firewall.remove", rule, actor=actor)
