"""What the queue holds: pending, waiting on dependencies, running."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.agents import repository as agents_repo
from shipyard.ci.agents import service as agents
from shipyard.ci.agents.models import Agent
from shipyard.ci.agents.schemas import QueueInfoOut, QueueStats, QueueTaskOut, TaskOut
from shipyard.ci.pipelines import repository as pipelines_repo
from shipyard.ci.pipelines.models import Pipeline, Workflow
from shipyard.ci.queue import service
from shipyard.ci.status import FINISHED
from shipyard.core.db import utcnow


async def _task(session: AsyncSession, workflow: Workflow, agent_names: dict[int, str]) -> QueueTaskOut:
    siblings = await pipelines_repo.workflows(session, workflow.pipeline_id)
    pipeline = await pipelines_repo.pipeline(session, workflow.pipeline_id)
    deps = {str(w.id): w.state for w in siblings if w.name in workflow.depends_on and w.id != workflow.id}
    return QueueTaskOut(
        id=str(workflow.id),
        pid=workflow.pid,
        name=workflow.name,
        labels=workflow.labels,
        dependencies=workflow.depends_on,
        run_on=workflow.runs_on or ["success"],
        dep_status=deps,
        agent_id=workflow.agent_id or 0,
        pipeline_id=workflow.pipeline_id,
        repo_id=workflow.repo_id,
        created=int(workflow.queued_at.timestamp()),
        pipeline_number=pipeline.number if pipeline else 0,
        agent_name=agent_names.get(workflow.agent_id or 0, ""),
    )


async def info(session: AsyncSession) -> QueueInfoOut:
    names = {a.id: a.name for a in await agents_repo.all_agents(session)}
    pending: list[QueueTaskOut] = []
    waiting: list[QueueTaskOut] = []
    for workflow in await pipelines_repo.pending_workflows(session):
        task = await _task(session, workflow, names)
        waiting_on_deps = any(state not in FINISHED for state in task.dep_status.values())
        (waiting if waiting_on_deps else pending).append(task)
    running = [await _task(session, w, names) for w in await pipelines_repo.running_workflows(session)]
    return QueueInfoOut(
        pending=pending,
        waiting_on_deps=waiting,
        running=running,
        stats=QueueStats(
            worker_count=await agents.idle_runners(session, utcnow()),
            pending_count=len(pending),
            waiting_on_deps_count=len(waiting),
            running_count=len(running),
        ),
        paused=await service.paused(session),
    )


async def tasks_of_agent(session: AsyncSession, agent_id: int) -> Sequence[TaskOut]:
    return [
        TaskOut(**(await _task(session, w, {})).model_dump(exclude={"pipeline_number", "agent_name"}))
        for w in await pipelines_repo.workflows_of_agent(session, agent_id)
    ]


async def any_running(session: AsyncSession) -> bool:
    return bool(await pipelines_repo.running_workflows(session))


@dataclass(frozen=True)
class Waiting:
    """A workflow waiting in the queue and why no agent runs it yet."""

    workflow: Workflow
    pipeline: Pipeline
    reason: str


def _agent_labels(agent: Agent) -> dict[str, str]:
    """The labels the agent polls with (what `shipyard agent` sends, over its stored labels)."""
    sent = {"hostname": agent.hostname, "platform": agent.platform, "backend": agent.backend}
    return agents.labels_of(agent, {key: value for key, value in sent.items() if value})


def _names(found: Sequence[Agent]) -> str:
    return ", ".join(agent.name for agent in found)


def why_waiting(
    workflow: Workflow, siblings: Sequence[Workflow], all_agents: Sequence[Agent], held: Counter[int]
) -> str:
    """Why no agent has taken `workflow`: the first of dependencies, labels, pause, capacity."""
    pending_deps = [
        w.name
        for w in siblings
        if w.name in workflow.depends_on and w.id != workflow.id and w.state not in FINISHED
    ]
    if pending_deps:
        return f"Waiting for a dependency to finish: {', '.join(sorted(set(pending_deps)))}."
    matching = [a for a in all_agents if agents.score(workflow.labels, _agent_labels(a)) > 0]
    if not matching:
        wanted = ", ".join(f"{key}={value}" for key, value in sorted(workflow.labels.items()) if value)
        return f"No agent has labels matching {wanted}."
    open_ones = [a for a in matching if not a.no_schedule]
    if not open_ones:
        return f"Every matching agent is paused (no_schedule): {_names(matching)}."
    connected = [a for a in open_ones if a.capacity > 0]
    if not connected:
        return f"No matching agent has connected yet: {_names(open_ones)}."
    if all(held[a.id] >= a.capacity for a in connected):
        busy = ", ".join(f"{a.name} ({held[a.id]}/{a.capacity})" for a in connected)
        return f"All matching agents are at capacity: {busy}."
    return f"Next in line: {_names(connected)} takes it on its next poll."


async def waiting(session: AsyncSession) -> Sequence[Waiting]:
    """Every workflow waiting for an agent, oldest first, with the reason it waits."""
    all_agents = await agents_repo.all_agents(session)
    held = Counter(w.agent_id for w in await pipelines_repo.running_workflows(session) if w.agent_id)
    is_paused = await service.paused(session)
    found: list[Waiting] = []
    for workflow in await pipelines_repo.pending_workflows(session):
        pipeline = await pipelines_repo.pipeline(session, workflow.pipeline_id)
        if pipeline is None:
            continue
        siblings = await pipelines_repo.workflows(session, workflow.pipeline_id)
        reason = (
            "The queue is paused: resume it to hand out work."
            if is_paused
            else why_waiting(workflow, siblings, all_agents, held)
        )
        found.append(Waiting(workflow, pipeline, reason))
    return found
