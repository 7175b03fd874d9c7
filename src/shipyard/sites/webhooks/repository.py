"""All SQL of site webhooks."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.core.db import fetch_page
from shipyard.sites.webhooks.models import SiteWebhook


async def page(
    session: AsyncSession, site_id: int, *, offset: int, limit: int
) -> tuple[Sequence[SiteWebhook], int]:
    query = select(SiteWebhook).where(SiteWebhook.site_id == site_id)
    return await fetch_page(session, query, order_by=SiteWebhook.id, offset=offset, limit=limit)


async def of_site(session: AsyncSession, site_id: int) -> Sequence[SiteWebhook]:
    rows = await session.scalars(
        select(SiteWebhook).where(SiteWebhook.site_id == site_id).order_by(SiteWebhook.id)
    )
    return rows.all()


async def get(session: AsyncSession, site_id: int, webhook_id: int) -> SiteWebhook | None:
    found: SiteWebhook | None = await session.scalar(
        select(SiteWebhook).where(SiteWebhook.id == webhook_id, SiteWebhook.site_id == site_id)
    )
    return found
