"""All SQL of pipelines, workflows and steps (the queue's included)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.pipelines.models import Pipeline, Step, Workflow
from shipyard.core.db import fetch_page


async def pipeline(session: AsyncSession, pipeline_id: int) -> Pipeline | None:
    return await session.get(Pipeline, pipeline_id, populate_existing=True)


async def lock(session: AsyncSession, pipeline_id: int) -> None:
    """Hold the pipeline's row until the transaction ends (FOR UPDATE; SQLite's one writer at a
    time does the same): whoever recomputes its status next waits, then sees this one's changes."""
    await session.execute(select(Pipeline.id).where(Pipeline.id == pipeline_id).with_for_update())


async def pipeline_by_number(session: AsyncSession, repo_id: int, number: int) -> Pipeline | None:
    return await session.scalar(
        select(Pipeline)
        .where(Pipeline.repo_id == repo_id, Pipeline.number == number)
        .execution_options(populate_existing=True)
    )


async def latest(session: AsyncSession, repo_id: int, branch: str | None = None) -> Pipeline | None:
    query = select(Pipeline).where(Pipeline.repo_id == repo_id)
    if branch is not None:
        query = query.where(Pipeline.branch == branch)
    return await session.scalar(query.order_by(Pipeline.number.desc()).limit(1))


def _filtered(repo_id: int, filters: dict[str, Any]) -> Select[Pipeline]:
    query = select(Pipeline).where(Pipeline.repo_id == repo_id)
    for key in ("branch", "event", "ref", "status"):
        if filters.get(key):
            query = query.where(getattr(Pipeline, key) == filters[key])
    if filters.get("before"):
        query = query.where(Pipeline.created < filters["before"])
    if filters.get("after"):
        query = query.where(Pipeline.created > filters["after"])
    return query


async def pipelines_page(
    session: AsyncSession, repo_id: int, filters: dict[str, Any], *, offset: int, limit: int
) -> tuple[Sequence[Pipeline], int]:
    return await fetch_page(
        session, _filtered(repo_id, filters), order_by=Pipeline.number.desc(), offset=offset, limit=limit
    )


async def active_pipelines(session: AsyncSession, repo_id: int) -> Sequence[Pipeline]:
    query = select(Pipeline).where(
        Pipeline.repo_id == repo_id, Pipeline.status.in_(("pending", "running", "blocked"))
    )
    return (await session.scalars(query.order_by(Pipeline.id))).all()


async def feed(
    session: AsyncSession, repo_ids: Sequence[int] | None, *, statuses: Sequence[str] | None, limit: int
) -> Sequence[Pipeline]:
    query = select(Pipeline)
    if repo_ids is not None:
        query = query.where(Pipeline.repo_id.in_(repo_ids))
    if statuses:
        query = query.where(Pipeline.status.in_(statuses))
    return (await session.scalars(query.order_by(Pipeline.id.desc()).limit(limit))).all()


async def updated_since(session: AsyncSession, since: int, after_id: int) -> Sequence[Pipeline]:
    query = select(Pipeline).where(
        (Pipeline.updated > since) | and_(Pipeline.updated == since, Pipeline.id > after_id)
    )
    return (await session.scalars(query.order_by(Pipeline.updated, Pipeline.id).limit(100))).all()


async def workflows(session: AsyncSession, pipeline_id: int) -> Sequence[Workflow]:
    query = (
        select(Workflow)
        .where(Workflow.pipeline_id == pipeline_id)
        .order_by(Workflow.pid)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).all()


async def workflows_of(session: AsyncSession, pipeline_ids: Sequence[int]) -> Sequence[Workflow]:
    query = select(Workflow).where(Workflow.pipeline_id.in_(pipeline_ids)).order_by(Workflow.pid)
    return (await session.scalars(query)).all()


async def steps_of(session: AsyncSession, pipeline_ids: Sequence[int]) -> Sequence[Step]:
    query = select(Step).where(Step.pipeline_id.in_(pipeline_ids)).order_by(Step.pid)
    return (await session.scalars(query.execution_options(populate_existing=True))).all()


async def workflow(session: AsyncSession, workflow_id: int) -> Workflow | None:
    return await session.get(Workflow, workflow_id, populate_existing=True)


async def steps(session: AsyncSession, workflow_id: int) -> Sequence[Step]:
    query = (
        select(Step)
        .where(Step.workflow_id == workflow_id)
        .order_by(Step.pid)
        .execution_options(populate_existing=True)
    )
    return (await session.scalars(query)).all()


async def step(session: AsyncSession, step_id: int) -> Step | None:
    return await session.get(Step, step_id, populate_existing=True)


async def step_by_uuid(session: AsyncSession, uuid: str) -> Step | None:
    return await session.scalar(select(Step).where(Step.uuid == uuid))


async def pending_workflows(session: AsyncSession, limit: int = 200) -> Sequence[Workflow]:
    """Unassigned pending workflows of pending or running pipelines, oldest first."""
    query = (
        select(Workflow)
        .join(Pipeline, Pipeline.id == Workflow.pipeline_id)
        .where(
            Workflow.state == "pending",
            Workflow.agent_id.is_(None),
            Pipeline.status.in_(("pending", "running")),
        )
        .order_by(Workflow.queued_at, Workflow.id)
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def running_workflows(session: AsyncSession) -> Sequence[Workflow]:
    query = select(Workflow).where(Workflow.agent_id.is_not(None), Workflow.state.in_(("pending", "running")))
    return (await session.scalars(query.order_by(Workflow.id))).all()


async def workflows_of_agent(session: AsyncSession, agent_id: int) -> Sequence[Workflow]:
    query = select(Workflow).where(Workflow.agent_id == agent_id, Workflow.state.in_(("pending", "running")))
    return (await session.scalars(query.order_by(Workflow.id))).all()


async def claim(session: AsyncSession, workflow_id: int, agent_id: int, lease_until: datetime) -> bool:
    """Assign a workflow to an agent unless another poller (of any process) took it first."""
    result = await session.execute(
        update(Workflow)
        .where(Workflow.id == workflow_id, Workflow.agent_id.is_(None), Workflow.state == "pending")
        .values(agent_id=agent_id, lease_until=lease_until)
    )
    return getattr(result, "rowcount", 0) == 1


async def extend(session: AsyncSession, workflow_id: int, agent_id: int, lease_until: datetime) -> bool:
    result = await session.execute(
        update(Workflow)
        .where(
            Workflow.id == workflow_id,
            Workflow.agent_id == agent_id,
            Workflow.state.in_(("pending", "running")),
        )
        .values(lease_until=lease_until)
    )
    return getattr(result, "rowcount", 0) == 1


async def expired(session: AsyncSession, now: datetime) -> Sequence[Workflow]:
    query = select(Workflow).where(
        Workflow.agent_id.is_not(None),
        Workflow.state.in_(("pending", "running")),
        Workflow.lease_until < now,
    )
    return (await session.scalars(query)).all()


async def release_expired(session: AsyncSession, workflow: Workflow, values: dict[str, Any]) -> bool:
    """Apply `values` to an expired workflow unless its lease was renewed or it ended meanwhile."""
    result = await session.execute(
        update(Workflow)
        .where(
            Workflow.id == workflow.id,
            Workflow.agent_id == workflow.agent_id,
            Workflow.lease_until == workflow.lease_until,
            Workflow.state == workflow.state,
        )
        .values(**values)
    )
    return getattr(result, "rowcount", 0) == 1


async def delete_pipeline(session: AsyncSession, pipeline: Pipeline) -> None:
    await session.execute(delete(Pipeline).where(Pipeline.id == pipeline.id))
