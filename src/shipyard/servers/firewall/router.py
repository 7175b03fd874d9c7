"""Forge's firewall rule endpoints: `/api/v1/servers/{server_id}/firewall-rules`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.firewall import service
from shipyard.servers.firewall.models import FirewallRule
from shipyard.servers.firewall.schemas import (
    FirewallRuleCreate,
    FirewallRuleEnvelope,
    FirewallRuleList,
    FirewallRuleRead,
)

router = APIRouter(prefix="/api/v1/servers/{server_id}/firewall-rules", tags=["firewall"])

FirewallPrincipal = Annotated[Principal, Depends(Authenticator("firewall"))]


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


@router.post("", response_model=FirewallRuleEnvelope)
async def create_rule(
    server_id: ResourceId, body: FirewallRuleCreate, principal: FirewallPrincipal, session: DbSession
) -> FirewallRuleEnvelope:
    rule = await service.create(session, principal.user, server_id, body, actor=principal.actor)
    audit.record(session, principal.actor, "firewall_rule.create", subject=f"firewall_rule:{rule.id}")
    return FirewallRuleEnvelope(rule=rule_read(rule))


@router.get("", response_model=FirewallRuleList)
async def list_rules(
    server_id: ResourceId,
    principal: FirewallPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> FirewallRuleList:
    rows, total = await service.page(
        session, principal.user, server_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return FirewallRuleList(rules=[rule_read(row) for row in rows])


@router.get("/{rule_id}", response_model=FirewallRuleEnvelope)
async def get_rule(
    server_id: ResourceId, rule_id: ResourceId, principal: FirewallPrincipal, session: DbSession
) -> FirewallRuleEnvelope:
    return FirewallRuleEnvelope(
        rule=rule_read(await service.get(session, principal.user, server_id, rule_id))
    )


@router.delete("/{rule_id}", status_code=204)
async def delete_rule(
    server_id: ResourceId, rule_id: ResourceId, principal: FirewallPrincipal, session: DbSession
) -> None:
    await service.delete(session, principal.user, server_id, rule_id, actor=principal.actor)
    audit.record(session, principal.actor, "firewall_rule.delete", subject=f"firewall_rule:{rule_id}")
