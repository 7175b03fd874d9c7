"""All SQL of servers and server events."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from shipyard.core.db import fetch_page, utcnow
from shipyard.servers.models import Server, ServerEvent


async def page(
    session: AsyncSession, user_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Server], int]:
    query = select(Server).where(Server.user_id == user_id)
    return await fetch_page(session, query, order_by=Server.id, offset=offset, limit=limit)


async def owned(session: AsyncSession, user_id: int, server_id: int) -> Server | None:
    return await session.scalar(select(Server).where(Server.id == server_id, Server.user_id == user_id))


async def owned_ids(session: AsyncSession, user_id: int, ids: list[int]) -> set[int]:
    rows = await session.scalars(select(Server.id).where(Server.user_id == user_id, Server.id.in_(ids)))
    return set(rows.all())


async def with_secrets(session: AsyncSession, server_id: int) -> Server | None:
    """The server with its encrypted columns loaded (for jobs that talk to the host)."""
    return await session.scalar(
        select(Server)
        .options(
            undefer(Server.sudo_password), undefer(Server.database_password), undefer(Server.bootstrap_login)
        )
        .where(Server.id == server_id)
        .execution_options(populate_existing=True)
    )


async def by_provision_token(session: AsyncSession, server_id: int, token_hash: str) -> Server | None:
    return await session.scalar(
        select(Server).where(Server.id == server_id, Server.provision_token_hash == token_hash)
    )


async def events_page(
    session: AsyncSession, user_id: int, server_id: int | None, *, offset: int, limit: int
) -> tuple[Sequence[tuple[ServerEvent, str]], int]:
    query = select(ServerEvent, Server.name).join(Server, Server.id == ServerEvent.server_id)
    query = query.where(Server.user_id == user_id)
    if server_id is not None:
        query = query.where(ServerEvent.server_id == server_id)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.execute(query.order_by(ServerEvent.id.desc()).offset(offset).limit(limit))
    return [(event, name) for event, name in rows.all()], total


async def event_with_output(session: AsyncSession, server_id: int, event_id: int) -> ServerEvent | None:
    return await session.scalar(
        select(ServerEvent)
        .options(undefer(ServerEvent.output))
        .where(ServerEvent.id == event_id, ServerEvent.server_id == server_id)
    )


async def append_output(session: AsyncSession, event_id: int, text: str) -> None:
    await session.execute(
        update(ServerEvent).where(ServerEvent.id == event_id).values(output=ServerEvent.output + text)
    )


async def finish_event(session: AsyncSession, event_id: int, status: str, exit_code: int | None) -> None:
    await session.execute(
        update(ServerEvent)
        .where(ServerEvent.id == event_id)
        .values(status=status, exit_code=exit_code, finished_at=utcnow())
    )
