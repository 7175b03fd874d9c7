"""All SQL of site workers."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from shipyard.core.db import fetch_page
from shipyard.sites.models import Site
from shipyard.sites.workers.models import Worker


async def for_host(session: AsyncSession, worker_id: int) -> Worker | None:
    """The worker with its site and server: what a job needs to render its program."""
    return await session.scalar(
        select(Worker)
        .options(joinedload(Worker.site).joinedload(Site.server))
        .where(Worker.id == worker_id)
        .execution_options(populate_existing=True)
    )


async def of_site(
    session: AsyncSession, site_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Worker], int]:
    """A page of the site's workers, oldest first, and how many there are."""
    query = select(Worker).where(Worker.site_id == site_id)
    return await fetch_page(session, query, order_by=Worker.id, offset=offset, limit=limit)


async def one(session: AsyncSession, site_id: int, worker_id: int) -> Worker | None:
    """The site's worker `worker_id`, or None (also when it is another site's)."""
    found: Worker | None = await session.scalar(
        select(Worker).where(Worker.id == worker_id, Worker.site_id == site_id)
    )
    return found


async def ids_of_site(session: AsyncSession, site_id: int) -> list[int]:
    """The ids of all the site's workers."""
    return list(await session.scalars(select(Worker.id).where(Worker.site_id == site_id)))
