"""The per-request database session: commits when the handler succeeds, rolls back otherwise."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.core.db import get_sessionmaker


async def get_session() -> AsyncIterator[AsyncSession]:
    async with get_sessionmaker()() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": commit before the response leaves, so that a client that writes and then reads
# (as the Forge SDK's wait loops do) sees its write, and a failed commit is never answered with a 2xx.
DbSession = Annotated[AsyncSession, Depends(get_session, scope="function")]
