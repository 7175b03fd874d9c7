"""All SQL of recipes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.core.db import fetch_page
from shipyard.servers.recipes.models import Recipe


async def page(
    session: AsyncSession, user_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Recipe], int]:
    query = select(Recipe).where(Recipe.user_id == user_id)
    return await fetch_page(session, query, order_by=Recipe.id, offset=offset, limit=limit)


async def owned(session: AsyncSession, user_id: int, recipe_id: int) -> Recipe | None:
    return await session.scalar(select(Recipe).where(Recipe.id == recipe_id, Recipe.user_id == user_id))
