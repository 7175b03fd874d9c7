"""All SQL of site integrations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from shipyard.sites.integrations.models import Integration
from shipyard.sites.models import Site


async def of_kind(session: AsyncSession, site_id: int, kind: str) -> Integration | None:
    found: Integration | None = await session.scalar(
        select(Integration).where(Integration.site_id == site_id, Integration.kind == kind)
    )
    return found


async def by_id(session: AsyncSession, integration_id: int) -> Integration | None:
    return await session.get(Integration, integration_id, populate_existing=True)


async def of_site(session: AsyncSession, site_id: int) -> Sequence[Integration]:
    return (await session.scalars(select(Integration).where(Integration.site_id == site_id))).all()


async def site_for_host(session: AsyncSession, site_id: int) -> Site | None:
    """The site with its server: what a job needs to render its script."""
    return await session.scalar(
        select(Site)
        .options(joinedload(Site.server))
        .where(Site.id == site_id)
        .execution_options(populate_existing=True)
    )
