"""Forge's redirect rule endpoints: `/api/v1/servers/{server_id}/sites/{site_id}/redirect-rules`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
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

router = APIRouter(
    prefix="/api/v1/servers/{server_id}/sites/{site_id}/redirect-rules", tags=["redirect rules"]
)

SitesPrincipal = Annotated[Principal, Depends(Authenticator("sites"))]


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


@router.get("", response_model=RedirectRuleList)
async def list_redirect_rules(
    server_id: ResourceId,
    site_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> RedirectRuleList:
    rows, total = await service.page(
        session, principal.user, server_id, site_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return RedirectRuleList(redirect_rules=[rule_read(row) for row in rows])


@router.get("/{rule_id}", response_model=RedirectRuleEnvelope)
async def get_redirect_rule(
    server_id: ResourceId,
    site_id: ResourceId,
    rule_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
) -> RedirectRuleEnvelope:
    rule = await service.get(session, principal.user, server_id, site_id, rule_id)
    return RedirectRuleEnvelope(redirect_rule=rule_read(rule))


@router.delete("/{rule_id}", status_code=204)
async def delete_redirect_rule(
    server_id: ResourceId,
    site_id: ResourceId,
    rule_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
) -> None:
    await service.delete(session, principal.user, server_id, site_id, rule_id, actor=principal.actor)
    audit.record(session, principal.actor, "redirect_rule.delete", subject=f"redirect_rule:{rule_id}")
