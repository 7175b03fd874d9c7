"""Forge's webhook endpoints: `/api/v1/servers/{server_id}/sites/{site_id}/webhooks`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.sites.webhooks import service
from shipyard.sites.webhooks.models import SiteWebhook
from shipyard.sites.webhooks.schemas import WebhookCreate, WebhookEnvelope, WebhookList, WebhookRead

router = APIRouter(prefix="/api/v1/servers/{server_id}/sites/{site_id}/webhooks", tags=["sites"])

SitesPrincipal = Annotated[Principal, Depends(Authenticator("sites"))]


def webhook_read(webhook: SiteWebhook) -> WebhookRead:
    return WebhookRead(id=webhook.id, url=webhook.url, created_at=webhook.created_at)


@router.get("", response_model=WebhookList)
async def list_webhooks(
    server_id: ResourceId,
    site_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> WebhookList:
    rows, total = await service.page(
        session, principal.user, server_id, site_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return WebhookList(webhooks=[webhook_read(row) for row in rows])


@router.post("", response_model=WebhookEnvelope)
async def create_webhook(
    server_id: ResourceId,
    site_id: ResourceId,
    body: WebhookCreate,
    principal: SitesPrincipal,
    session: DbSession,
) -> WebhookEnvelope:
    """Each deployment of the site ends with a POST of its result (Forge's JSON) to the URL."""
    webhook = await service.create(session, principal.user, server_id, site_id, body.url)
    audit.record(session, principal.actor, "site.webhook.create", subject=f"site:{site_id}")
    return WebhookEnvelope(webhook=webhook_read(webhook))


@router.get("/{webhook_id}", response_model=WebhookEnvelope)
async def get_webhook(
    server_id: ResourceId,
    site_id: ResourceId,
    webhook_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
) -> WebhookEnvelope:
    webhook = await service.get(session, principal.user, server_id, site_id, webhook_id)
    return WebhookEnvelope(webhook=webhook_read(webhook))


@router.delete("/{webhook_id}", status_code=204)
async def delete_webhook(
    server_id: ResourceId,
    site_id: ResourceId,
    webhook_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
) -> None:
    await service.delete(session, principal.user, server_id, site_id, webhook_id)
    audit.record(session, principal.actor, "site.webhook.delete", subject=f"site:{site_id}")
