"""All SQL of PHP versions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.servers.php.models import PhpVersion


async def all_of(session: AsyncSession, server_id: int) -> Sequence[PhpVersion]:
    rows = await session.scalars(
        select(PhpVersion).where(PhpVersion.server_id == server_id).order_by(PhpVersion.id)
    )
    return rows.all()


async def find(session: AsyncSession, server_id: int, version: str) -> PhpVersion | None:
    return await session.scalar(
        select(PhpVersion).where(PhpVersion.server_id == server_id, PhpVersion.version == version)
    )


async def by_id(session: AsyncSession, php_id: int) -> PhpVersion | None:
    return await session.get(PhpVersion, php_id, populate_existing=True)
