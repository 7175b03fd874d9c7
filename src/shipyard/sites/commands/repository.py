"""All SQL of site commands."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from shipyard.auth.models import User
from shipyard.core.db import fetch_page
from shipyard.sites.commands.models import SiteCommand


async def page(
    session: AsyncSession, site_id: int, *, offset: int, limit: int
) -> tuple[Sequence[SiteCommand], int]:
    query = select(SiteCommand).where(SiteCommand.site_id == site_id)
    return await fetch_page(session, query, order_by=SiteCommand.id, offset=offset, limit=limit)


async def get(session: AsyncSession, site_id: int, command_id: int) -> SiteCommand | None:
    found: SiteCommand | None = await session.scalar(
        select(SiteCommand)
        .options(undefer(SiteCommand.output))
        .where(SiteCommand.id == command_id, SiteCommand.site_id == site_id)
        .execution_options(populate_existing=True)
    )
    return found


async def users(session: AsyncSession, user_ids: set[int]) -> dict[int, User]:
    """The users who ran commands, by id."""
    if not user_ids:
        return {}
    rows = await session.scalars(select(User).where(User.id.in_(user_ids)))
    return {user.id: user for user in rows}
