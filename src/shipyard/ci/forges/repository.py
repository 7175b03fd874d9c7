"""All SQL of forges."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.forges.models import Forge
from shipyard.core.db import fetch_page


async def get(session: AsyncSession, forge_id: int) -> Forge | None:
    return await session.get(Forge, forge_id)


async def first(session: AsyncSession) -> Forge | None:
    return await session.scalar(select(Forge).order_by(Forge.id).limit(1))


async def page(session: AsyncSession, *, offset: int, limit: int) -> tuple[Sequence[Forge], int]:
    return await fetch_page(session, select(Forge), order_by=Forge.id, offset=offset, limit=limit)
