"""Forge's security rule endpoints: `/api/v1/servers/{server_id}/sites/{site_id}/security-rules`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.sites.security import service
from shipyard.sites.security.models import SecurityRule
from shipyard.sites.security.schemas import (
    CredentialRead,
    SecurityRuleCreate,
    SecurityRuleEnvelope,
    SecurityRuleList,
    SecurityRuleRead,
)

router = APIRouter(
    prefix="/api/v1/servers/{server_id}/sites/{site_id}/security-rules", tags=["security rules"]
)

SitesPrincipal = Annotated[Principal, Depends(Authenticator("sites"))]


def rule_read(rule: SecurityRule) -> SecurityRuleRead:
    """Forge's security rule: the credentials' usernames, never their passwords."""
    return SecurityRuleRead(
        id=rule.id,
        name=rule.name,
        path=rule.path,
        status=rule.status,
        created_at=rule.created_at,
        credentials=[
            CredentialRead(id=c.id, username=c.username, created_at=c.created_at) for c in rule.credentials
        ],
    )


@router.post("", response_model=SecurityRuleEnvelope)
async def create_security_rule(
    server_id: ResourceId,
    site_id: ResourceId,
    body: SecurityRuleCreate,
    principal: SitesPrincipal,
    session: DbSession,
) -> SecurityRuleEnvelope:
    """HTTP basic authentication for the site (`path` empty) or below a path of it."""
    rule = await service.create(session, principal.user, server_id, site_id, body, actor=principal.actor)
    audit.record(session, principal.actor, "security_rule.create", subject=f"security_rule:{rule.id}")
    return SecurityRuleEnvelope(security_rule=rule_read(rule))


@router.get("", response_model=SecurityRuleList)
async def list_security_rules(
    server_id: ResourceId,
    site_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> SecurityRuleList:
    rows, total = await service.page(
        session, principal.user, server_id, site_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return SecurityRuleList(security_rules=[rule_read(row) for row in rows])


@router.get("/{rule_id}", response_model=SecurityRuleEnvelope)
async def get_security_rule(
    server_id: ResourceId,
    site_id: ResourceId,
    rule_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
) -> SecurityRuleEnvelope:
    rule = await service.get(session, principal.user, server_id, site_id, rule_id)
    return SecurityRuleEnvelope(security_rule=rule_read(rule))


@router.delete("/{rule_id}", status_code=204)
async def delete_security_rule(
    server_id: ResourceId,
    site_id: ResourceId,
    rule_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
) -> None:
    await service.delete(session, principal.user, server_id, site_id, rule_id, actor=principal.actor)
    audit.record(session, principal.actor, "security_rule.delete", subject=f"security_rule:{rule_id}")
