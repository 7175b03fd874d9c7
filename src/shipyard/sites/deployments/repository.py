"""All SQL of deployments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer, undefer

from shipyard.sites.deployments.models import SiteDeployment

UNFINISHED = ("queued", "deploying")


async def page(
    session: AsyncSession, site_id: int, *, offset: int, limit: int
) -> tuple[Sequence[SiteDeployment], int]:
    """The site's deployments, newest first, without their outputs: neither query reads the column
    (a count over `fetch_page`'s subquery would name it), and reading it from a listed row raises
    rather than loading it (`get` and `latest` load it)."""
    of_site = SiteDeployment.site_id == site_id
    total = await session.scalar(select(func.count()).where(of_site)) or 0
    rows = await session.scalars(
        select(SiteDeployment)
        .options(defer(SiteDeployment.output, raiseload=True))
        .where(of_site)
        .order_by(SiteDeployment.id.desc())
        .offset(offset)
        .limit(limit)
    )
    return rows.all(), total


async def get(session: AsyncSession, site_id: int, deployment_id: int) -> SiteDeployment | None:
    found: SiteDeployment | None = await session.scalar(
        select(SiteDeployment)
        .options(undefer(SiteDeployment.output))
        .where(SiteDeployment.id == deployment_id, SiteDeployment.site_id == site_id)
        .execution_options(populate_existing=True)
    )
    return found


async def latest(session: AsyncSession, site_id: int) -> SiteDeployment | None:
    found: SiteDeployment | None = await session.scalar(
        select(SiteDeployment)
        .options(undefer(SiteDeployment.output))
        .where(SiteDeployment.site_id == site_id)
        .order_by(SiteDeployment.id.desc())
        .limit(1)
    )
    return found


async def unfinished(session: AsyncSession, site_id: int) -> Sequence[SiteDeployment]:
    rows = await session.scalars(
        select(SiteDeployment).where(SiteDeployment.site_id == site_id, SiteDeployment.status.in_(UNFINISHED))
    )
    return rows.all()


async def queued(session: AsyncSession, site_id: int) -> int:
    """How many deployments of the site wait for their turn."""
    count = await session.scalar(
        select(func.count()).where(SiteDeployment.site_id == site_id, SiteDeployment.status == "queued")
    )
    return count or 0


async def link_event(session: AsyncSession, deployment_id: int, event_id: int) -> None:
    await session.execute(
        update(SiteDeployment).where(SiteDeployment.id == deployment_id).values(event_id=event_id)
    )
