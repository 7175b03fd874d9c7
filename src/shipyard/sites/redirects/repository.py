"""All SQL of redirect rules."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from shipyard.core.db import fetch_page
from shipyard.servers.resources import REMOVING
from shipyard.sites.redirects.models import RedirectRule


async def for_host(session: AsyncSession, rule_id: int) -> RedirectRule | None:
    """The rule with its site: what a job needs to render its script."""
    return await session.scalar(
        select(RedirectRule)
        .options(joinedload(RedirectRule.site))
        .where(RedirectRule.id == rule_id)
        .execution_options(populate_existing=True)
    )


async def page(
    session: AsyncSession, site_id: int, *, offset: int, limit: int
) -> tuple[Sequence[RedirectRule], int]:
    query = select(RedirectRule).where(RedirectRule.site_id == site_id)
    return await fetch_page(session, query, order_by=RedirectRule.id, offset=offset, limit=limit)


async def of_site(session: AsyncSession, site_id: int, rule_id: int) -> RedirectRule | None:
    found: RedirectRule | None = await session.scalar(
        select(RedirectRule).where(RedirectRule.id == rule_id, RedirectRule.site_id == site_id)
    )
    return found


async def redirected(session: AsyncSession, site_id: int, source: str) -> bool:
    """Whether the site has a rule from `source` already (one being removed does not count)."""
    count = await session.scalar(
        select(func.count()).where(
            RedirectRule.site_id == site_id, RedirectRule.source == source, RedirectRule.status != REMOVING
        )
    )
    return bool(count)
