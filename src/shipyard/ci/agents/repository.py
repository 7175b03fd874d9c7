"""All SQL of agents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.agents.models import Agent, AgentPoll
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


async def set_poll(
    session: AsyncSession, agent_id: int, runner: int, labels: dict[str, str], until: datetime
) -> None:
    """Record that the agent's `runner` waits for work until `until` (replacing its last record)."""
    await drop_poll(session, agent_id, runner)
    session.add(AgentPoll(agent_id=agent_id, runner=runner, labels=labels, until=until))
    await session.flush()


async def drop_poll(session: AsyncSession, agent_id: int, runner: int) -> None:
    await session.execute(delete(AgentPoll).where(AgentPoll.agent_id == agent_id, AgentPoll.runner == runner))


async def waiting_polls(session: AsyncSession, now: datetime, other_than: int) -> Sequence[AgentPoll]:
    """Runners of other schedulable agents waiting for work now."""
    query = (
        select(AgentPoll)
        .join(Agent, Agent.id == AgentPoll.agent_id)
        .where(AgentPoll.until > now, AgentPoll.agent_id != other_than, Agent.no_schedule.is_(False))
    )
    return (await session.scalars(query)).all()


async def count_waiting_polls(session: AsyncSession, now: datetime) -> int:
    """Runners of schedulable agents waiting for work now (Woodpecker's idle workers)."""
    query = (
        select(func.count())
        .select_from(AgentPoll)
        .join(Agent, Agent.id == AgentPoll.agent_id)
        .where(AgentPoll.until > now, Agent.no_schedule.is_(False))
    )
    return int(await session.scalar(query) or 0)


async def drop_expired_polls(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(AgentPoll).where(AgentPoll.until <= now))
