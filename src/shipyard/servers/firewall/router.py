"""Forge's firewall rule endpoints: `/api/v1/servers/{server_id}/firewall-rules`."""

from __future__ import annotations

from fastapi import APIRouter

from shipyard.servers.firewall import service
from shipyard.servers.firewall.models import FirewallRule
from shipyard.servers.firewall.schemas import (
    FirewallRuleCreate,
    FirewallRuleEnvelope,
    FirewallRuleList,
    FirewallRuleRead,
)
from shipyard.servers.routes import add_routes

router = APIRouter(prefix="/api/v1/servers/{server_id}/firewall-rules", tags=["firewall"])


async def _rule_body(body: FirewallRuleCreate) -> FirewallRuleCreate:
    return body


def rule_read(rule: FirewallRule) -> FirewallRuleRead:
    return FirewallRuleRead(
        id=rule.id,
        name=rule.name,
        port=rule.port if ":" in rule.port else int(rule.port),
        type=rule.type,
        ip_address=rule.ip_address,
        status=rule.status,
        created_at=rule.created_at,
    )


add_routes(
    router, key="rule", plural="rules", scope="firewall", audit_as="firewall_rule", read=rule_read,
    envelope_model=FirewallRuleEnvelope, list_model=FirewallRuleList, page=service.page,
    get=service.get, body=_rule_body, create=service.create, delete=service.delete,
)  # fmt: skip
