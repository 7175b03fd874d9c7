"""All SQL of agents."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.agents.models import Agent
from shipyard.core.db import fetch_page


async def get(session: AsyncSession, agent_id: int) -> Agent | None:
    return await session.get(Agent, agent_id)


async def by_token_hash(session: AsyncSession, token_hash: str) -> Agent | None:
    return await session.scalar(select(Agent).where(Agent.token_hash == token_hash))


async def page(
    session: AsyncSession, org_id: int | None, *, offset: int, limit: int
) -> tuple[Sequence[Agent], int]:
    query = select(Agent)
    if org_id is not None:
        query = query.where(Agent.org_id == org_id)
    return await fetch_page(session, query, order_by=Agent.id, offset=offset, limit=limit)


async def all_agents(session: AsyncSession) -> Sequence[Agent]:
    return (await session.scalars(select(Agent).order_by(Agent.id))).all()
