"""Webhook rules: http(s) URLs that each get a POST with the result of every deployment of the
site (Forge's payload); a webhook that fails is recorded as a failed server event and never
fails the deployment."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.core.validation import is_single_line
from shipyard.jobs import service as jobs
from shipyard.sites import service as sites
from shipyard.sites.webhooks import repository
from shipyard.sites.webhooks.models import SiteWebhook
from shipyard.sites.webhooks.schemas import MAX_URL

MAX_WEBHOOKS = 20
URL_RULE = "The url must be an http:// or https:// URL."


def _valid_url(value: str) -> bool:
    if not is_single_line(value) or len(value) > MAX_URL or any(char.isspace() for char in value):
        return False
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, ValueError):
        return False
    port_ok = url.port is None or 0 < url.port < 65536
    return url.scheme in ("http", "https") and bool(url.host) and port_ok


async def create(session: AsyncSession, user: User, server_id: int, site_id: int, url: str) -> SiteWebhook:
    site = await sites.get(session, user, server_id, site_id)
    if not _valid_url(url):
        raise ValidationFailed({"url": [URL_RULE]})
    if len(await repository.of_site(session, site.id)) >= MAX_WEBHOOKS:
        raise ValidationFailed({"url": [f"A site has at most {MAX_WEBHOOKS} webhooks."]})
    webhook = SiteWebhook(server_id=site.server_id, site_id=site.id, url=url)
    session.add(webhook)
    await session.flush()
    return webhook


async def page(
    session: AsyncSession, user: User, server_id: int, site_id: int, *, offset: int, limit: int
) -> tuple[Sequence[SiteWebhook], int]:
    site = await sites.get(session, user, server_id, site_id)
    return await repository.page(session, site.id, offset=offset, limit=limit)


async def get(
    session: AsyncSession, user: User, server_id: int, site_id: int, webhook_id: int
) -> SiteWebhook:
    site = await sites.get(session, user, server_id, site_id)
    webhook = await repository.get(session, site.id, webhook_id)
    if webhook is None:
        raise NotFound("webhook")
    return webhook


async def delete(session: AsyncSession, user: User, server_id: int, site_id: int, webhook_id: int) -> None:
    await session.delete(await get(session, user, server_id, site_id, webhook_id))


async def notify(session: AsyncSession, site_id: int, payload: dict[str, Any]) -> int:
    """Queue a delivery of `payload` to each webhook of the site; returns how many."""
    webhooks = await repository.of_site(session, site_id)
    for webhook in webhooks:
        jobs.enqueue(
            session,
            "sites.webhooks.deliver",
            {"server_id": webhook.server_id, "site_id": site_id, "url": webhook.url, "payload": payload},
        )
    return len(webhooks)
