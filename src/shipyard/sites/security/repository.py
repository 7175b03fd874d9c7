"""All SQL of security rules and their credentials."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from shipyard.core.db import fetch_page
from shipyard.servers.resources import INSTALLED, INSTALLING, REMOVING
from shipyard.sites.security.models import SecurityRule


async def by_id(session: AsyncSession, rule_id: int) -> SecurityRule | None:
    return await session.get(SecurityRule, rule_id, populate_existing=True)


async def for_host(session: AsyncSession, rule_id: int) -> tuple[SecurityRule, list[SecurityRule]] | None:
    """The rule with its site, and the site's rules nginx has or is getting (with credentials)."""
    rule = await session.scalar(
        select(SecurityRule).options(joinedload(SecurityRule.site)).where(SecurityRule.id == rule_id)
    )
    if rule is None:
        return None
    active = await session.scalars(
        select(SecurityRule)
        .options(selectinload(SecurityRule.credentials))
        .where(SecurityRule.site_id == rule.site_id, SecurityRule.status.in_((INSTALLING, INSTALLED)))
        .order_by(SecurityRule.id)
    )
    return rule, list(active)


async def page(
    session: AsyncSession, site_id: int, *, offset: int, limit: int
) -> tuple[Sequence[SecurityRule], int]:
    query = (
        select(SecurityRule)
        .options(selectinload(SecurityRule.credentials))
        .where(SecurityRule.site_id == site_id)
    )
    return await fetch_page(session, query, order_by=SecurityRule.id, offset=offset, limit=limit)


async def of_site(session: AsyncSession, site_id: int, rule_id: int) -> SecurityRule | None:
    found: SecurityRule | None = await session.scalar(
        select(SecurityRule)
        .options(selectinload(SecurityRule.credentials))
        .where(SecurityRule.id == rule_id, SecurityRule.site_id == site_id)
    )
    return found


async def paths(session: AsyncSession, site_id: int) -> list[str | None]:
    """The paths the site's rules protect (None: the whole site), except those being removed."""
    rows = await session.scalars(
        select(SecurityRule.path).where(SecurityRule.site_id == site_id, SecurityRule.status != REMOVING)
    )
    return list(rows)
