"""Agent rules: CRUD with a random token shown to admins, token login, and label matching."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.agents import repository
from shipyard.ci.agents.models import GLOBAL_ORG, Agent
from shipyard.ci.agents.schemas import AgentCreate, AgentOut, AgentPatch
from shipyard.core.errors import NotFound, Unauthenticated, ValidationFailed
from shipyard_protocol import AgentInfo

EXACT, WILDCARD = 10, 1


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def read(agent: Agent) -> AgentOut:
    return AgentOut(
        id=agent.id,
        created=agent.created,
        updated=agent.updated,
        name=agent.name,
        owner_id=agent.owner_id,
        org_id=agent.org_id,
        token=agent.token,
        last_contact=agent.last_contact,
        last_work=agent.last_work,
        platform=agent.platform,
        backend=agent.backend,
        capacity=agent.capacity,
        version=agent.version,
        no_schedule=agent.no_schedule,
        custom_labels={str(k): str(v) for k, v in agent.custom_labels.items()},
    )


def _check_labels(labels: Mapping[str, str]) -> None:
    if any(k.lstrip("!").startswith("woodpecker-ci.org/") or not k.strip("!") for k in labels):
        raise ValidationFailed(
            {"custom_labels": ["Label names are not empty; woodpecker-ci.org/ is reserved."]}
        )


async def create(
    session: AsyncSession, owner_id: int, body: AgentCreate, *, org_id: int = GLOBAL_ORG
) -> Agent:
    _check_labels(body.custom_labels)
    token = secrets.token_hex(32)  # hex: never starts with "-", which a CLI would read as an option
    stamp = int(time.time())
    agent = Agent(
        created=stamp,
        updated=stamp,
        name=body.name,
        owner_id=owner_id,
        org_id=org_id,
        token_hash=_hash(token),
        token=token,
        no_schedule=body.no_schedule,
        custom_labels=body.custom_labels,
    )
    session.add(agent)
    await session.flush()
    return agent


async def get(session: AsyncSession, agent_id: int, *, org_id: int | None = None) -> Agent:
    agent = await repository.get(session, agent_id)
    if agent is None or (org_id is not None and agent.org_id != org_id):
        raise NotFound("agent")
    return agent


async def page(
    session: AsyncSession, *, org_id: int | None = None, offset: int, limit: int
) -> tuple[Sequence[Agent], int]:
    return await repository.page(session, org_id, offset=offset, limit=limit)


async def update(
    session: AsyncSession, agent_id: int, body: AgentPatch, *, org_id: int | None = None
) -> Agent:
    agent = await get(session, agent_id, org_id=org_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "custom_labels" in changes:
        _check_labels(changes["custom_labels"])
    for key, value in changes.items():
        setattr(agent, key, value)
    agent.updated = int(time.time())
    await session.flush()
    return agent


async def delete(session: AsyncSession, agent_id: int, *, org_id: int | None = None) -> None:
    await session.delete(await get(session, agent_id, org_id=org_id))


async def authenticate(session: AsyncSession, token: str) -> Agent:
    agent = await repository.by_token_hash(session, _hash(token)) if token else None
    if agent is None:
        raise Unauthenticated("Invalid agent token.")
    return agent


def register(agent: Agent, info: AgentInfo) -> None:
    stamp = int(time.time())
    agent.platform, agent.backend, agent.capacity = info.platform, info.backend, info.capacity
    agent.version, agent.hostname = info.version, info.hostname
    if info.custom_labels:
        agent.custom_labels = {**agent.custom_labels, **info.custom_labels}
    agent.last_contact = agent.updated = stamp


def labels_of(agent: Agent, sent: Mapping[str, str]) -> dict[str, str]:
    """The agent's labels: its defaults and custom labels, with `org-id` forced by the server."""
    labels = {"repo": "*", **{str(k): str(v) for k, v in agent.custom_labels.items()}, **sent}
    labels["org-id"] = "*" if agent.org_id == GLOBAL_ORG else str(agent.org_id)
    return labels


def score(task: Mapping[str, str], agent: Mapping[str, str]) -> int:
    """Woodpecker's label score: 10 per exact match, 1 per agent `*`; 0 = the agent may not run it.

    An agent label `!k=v` is exclusive: the agent then takes only tasks that carry k=v.
    """
    total = 0
    plain = {k.lstrip("!"): v for k, v in agent.items()}
    for key, value in task.items():
        if not value:
            continue
        have = plain.get(key)
        if have == value:
            total += EXACT
        elif have == "*":
            total += WILDCARD
        else:
            return 0
    for key, value in agent.items():
        if key.startswith("!") and task.get(key[1:]) != value:
            return 0
    return total


def outscored(task: Mapping[str, str], mine: int, others: Iterable[Mapping[str, str]]) -> bool:
    """Whether another waiting agent's labels score better than `mine` for the task: the queue
    leaves it to that one (Woodpecker gives a task to the waiting runner with the top score)."""
    return any(score(task, labels) > mine for labels in others)


async def waiting(
    session: AsyncSession, agent: Agent, runner: int, labels: dict[str, str], until: datetime
) -> None:
    await repository.set_poll(session, agent.id, runner, labels, until)


async def busy(session: AsyncSession, agent_id: int, runner: int) -> None:
    await repository.drop_poll(session, agent_id, runner)


async def others_waiting(session: AsyncSession, agent_id: int, now: datetime) -> list[dict[str, str]]:
    """The labels of the other agents' runners waiting for work now."""
    return [dict(p.labels) for p in await repository.waiting_polls(session, now, agent_id)]


async def idle_runners(session: AsyncSession, now: datetime) -> int:
    """How many runners of schedulable agents are waiting for work now."""
    return await repository.count_waiting_polls(session, now)


async def forget_stale_polls(session: AsyncSession, now: datetime) -> None:
    await repository.drop_expired_polls(session, now)
