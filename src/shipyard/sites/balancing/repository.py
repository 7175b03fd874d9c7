"""All SQL of load balancing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from shipyard.sites.balancing.models import Balancing


async def for_host(session: AsyncSession, balancing_id: int) -> Balancing | None:
    """The balancing with its site: what a job needs to render its script."""
    return await session.scalar(
        select(Balancing)
        .options(joinedload(Balancing.site))
        .where(Balancing.id == balancing_id)
        .execution_options(populate_existing=True)
    )


async def of_site(session: AsyncSession, site_id: int) -> Balancing | None:
    found: Balancing | None = await session.scalar(select(Balancing).where(Balancing.site_id == site_id))
    return found
