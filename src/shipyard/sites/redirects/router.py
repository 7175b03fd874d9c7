"""Forge's redirect rule endpoints: `/api/v1/servers/{server_id}/sites/{site_id}/redirect-rules`."""

from __future__ import annotations

from fastapi import APIRouter

from shipyard.audit import service as audit
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.sites.redirects import service
from shipyard.sites.redirects.models import RedirectRule
from shipyard.sites.redirects.schemas import (
    RedirectRuleCreate,
    RedirectRuleEnvelope,
    RedirectRuleList,
    RedirectRuleRead,
)
from shipyard.sites.rules import SitesPrincipal, add_routes

router = APIRouter(
    prefix="/api/v1/servers/{server_id}/sites/{site_id}/redirect-rules", tags=["redirect rules"]
)


def rule_read(rule: RedirectRule) -> RedirectRuleRead:
    return RedirectRuleRead(
        id=rule.id,
        source=rule.source,
        target=rule.target,
        type=rule.type,
        status=rule.status,
        created_at=rule.created_at,
    )


@router.post("", response_model=RedirectRuleEnvelope)
async def create_redirect_rule(
    server_id: ResourceId,
    site_id: ResourceId,
    body: RedirectRuleCreate,
    principal: SitesPrincipal,
    session: DbSession,
) -> RedirectRuleEnvelope:
    """A 302 (`redirect`) or 301 (`permanent`) from a path of the site, answered by nginx."""
    rule = await service.create(session, principal.user, server_id, site_id, body, actor=principal.actor)
    audit.record(session, principal.actor, "redirect_rule.create", subject=f"redirect_rule:{rule.id}")
    return RedirectRuleEnvelope(redirect_rule=rule_read(rule))


add_routes(
    router,
    service.RULES,
    kind="redirect_rule",
    read=rule_read,
    envelope_model=RedirectRuleEnvelope,
    list_model=RedirectRuleList,
)
