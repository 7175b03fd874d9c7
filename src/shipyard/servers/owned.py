"""Rows that belong to one server (daemons, firewall rules, keys, databases...): a page of them
and one of them, for the server's owner only. Another user's server, or a row of another
server, is a 404 like a row that does not exist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.db import fetch_page
from shipyard.core.errors import NotFound
from shipyard.servers import service as servers
from shipyard.servers.models import OnServer

Row = TypeVar("Row", bound=OnServer)


async def rows(
    session: AsyncSession, model: type[Row], server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Row], int]:
    """A page of the server's rows of `model`, oldest first, and how many there are in all."""
    query = select(model).where(model.server_id == server_id)
    return await fetch_page(session, query, order_by=model.id, offset=offset, limit=limit)


async def row(session: AsyncSession, model: type[Row], server_id: int, row_id: int) -> Row | None:
    """The server's row `row_id` of `model`, or None (also when it belongs to another server)."""
    found: Row | None = await session.scalar(
        select(model).where(model.id == row_id, model.server_id == server_id)
    )
    return found


async def page(
    session: AsyncSession, user: User, model: type[Row], server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Row], int]:
    """`rows`, after checking that the server is the user's."""
    await servers.get(session, user, server_id)
    return await rows(session, model, server_id, offset=offset, limit=limit)


async def get(
    session: AsyncSession, user: User, model: type[Row], server_id: int, row_id: int, what: str
) -> Row:
    """`row` of the user's server, or NotFound(`what`)."""
    await servers.get(session, user, server_id)
    found = await row(session, model, server_id, row_id)
    if found is None:
        raise NotFound(what)
    return found
