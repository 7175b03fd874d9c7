"""Forge's security rule endpoints: `/api/v1/servers/{server_id}/sites/{site_id}/security-rules`."""

from __future__ import annotations

from fastapi import APIRouter

from shipyard.audit import service as audit
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.sites.rules import SitesPrincipal, add_routes
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


add_routes(
    router,
    service.RULES,
    kind="security_rule",
    read=rule_read,
    envelope_model=SecurityRuleEnvelope,
    list_model=SecurityRuleList,
)
