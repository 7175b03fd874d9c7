"""All SQL of deployments."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from shipyard.core.db import fetch_page
from shipyard.sites.deployments.models import Deployment

UNFINISHED = ("queued", "deploying")


async def page(
    session: AsyncSession, site_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Deployment], int]:
    """The site's deployments, newest first."""
    query = select(Deployment).where(Deployment.site_id == site_id)
    return await fetch_page(session, query, order_by=Deployment.id.desc(), offset=offset, limit=limit)


async def get(session: AsyncSession, site_id: int, deployment_id: int) -> Deployment | None:
    found: Deployment | None = await session.scalar(
        select(Deployment)
        .options(undefer(Deployment.output))
        .where(Deployment.id == deployment_id, Deployment.site_id == site_id)
        .execution_options(populate_existing=True)
    )
    return found


async def latest(session: AsyncSession, site_id: int) -> Deployment | None:
    found: Deployment | None = await session.scalar(
        select(Deployment)
        .options(undefer(Deployment.output))
        .where(Deployment.site_id == site_id)
        .order_by(Deployment.id.desc())
        .limit(1)
    )
    return found


async def unfinished(session: AsyncSession, site_id: int) -> Sequence[Deployment]:
    rows = await session.scalars(
        select(Deployment).where(Deployment.site_id == site_id, Deployment.status.in_(UNFINISHED))
    )
    return rows.all()


async def queued(session: AsyncSession, site_id: int) -> int:
    """How many deployments of the site wait for their turn."""
    count = await session.scalar(
        select(func.count()).where(Deployment.site_id == site_id, Deployment.status == "queued")
    )
    return count or 0


async def link_event(session: AsyncSession, deployment_id: int, event_id: int) -> None:
    await session.execute(update(Deployment).where(Deployment.id == deployment_id).values(event_id=event_id))
