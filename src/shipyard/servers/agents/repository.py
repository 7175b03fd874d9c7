"""The server rows Blackfire and Papertrail jobs read, with the Blackfire token when needed."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from shipyard.servers.models import Server


async def server(session: AsyncSession, server_id: int) -> Server | None:
    """The server as it is now (not as this session last saw it)."""
    return await session.get(Server, server_id, populate_existing=True)


async def server_with_blackfire_token(session: AsyncSession, server_id: int) -> Server | None:
    return await session.scalar(
        select(Server)
        .options(undefer(Server.blackfire_server_token))
        .where(Server.id == server_id)
        .execution_options(populate_existing=True)
    )
