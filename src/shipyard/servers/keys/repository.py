"""All SQL of SSH keys."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.servers.keys.models import SshKey


async def by_id(session: AsyncSession, key_id: int) -> SshKey | None:
    return await session.get(SshKey, key_id, populate_existing=True)


async def of_user(session: AsyncSession, server_id: int, username: str) -> Sequence[SshKey]:
    """The keys of one user on the server that are not being removed."""
    rows = await session.scalars(
        select(SshKey).where(
            SshKey.server_id == server_id, SshKey.username == username, SshKey.status != "removing"
        )
    )
    return rows.all()
