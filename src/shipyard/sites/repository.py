"""All SQL of sites."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from shipyard.sites.models import Site


async def for_host(session: AsyncSession, site_id: int) -> Site | None:
    """The site with its server: what a job needs to render its script."""
    return await session.scalar(
        select(Site)
        .options(joinedload(Site.server))
        .where(Site.id == site_id)
        .execution_options(populate_existing=True)
    )


async def taken(session: AsyncSession, server_id: int, domain: str, site_id: int) -> bool:
    """Whether another site of the server has `domain`, or still has it on the host."""
    count = await session.scalar(
        select(func.count()).where(
            Site.server_id == server_id,
            Site.id != site_id,
            or_(Site.name == domain, Site.host_name == domain),
        )
    )
    return bool(count)


async def others_of_user(session: AsyncSession, site: Site) -> int:
    """How many other sites of the server run as the site's user."""
    count = await session.scalar(
        select(func.count()).where(
            Site.server_id == site.server_id, Site.username == site.username, Site.id != site.id
        )
    )
    return count or 0


async def deploy_key(session: AsyncSession, site_id: int) -> tuple[str, str] | None:
    """The site's deploy key pair (private, public), or None when it has none."""
    row = (
        await session.execute(
            select(Site.deploy_key_private, Site.deploy_key_public).where(Site.id == site_id)
        )
    ).one_or_none()
    if row is None or row[0] is None or row[1] is None:
        return None
    return row[0], row[1]


async def by_id(session: AsyncSession, site_id: int) -> Site | None:
    """The site `site_id` whoever owns it (for its deployment URL, which carries its own token)."""
    return await session.get(Site, site_id)
