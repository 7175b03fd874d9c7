"""What the queue holds: pending, waiting on dependencies, running."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.agents import repository as agents_repo
from shipyard.ci.agents import service as agents_service
from shipyard.ci.agents.schemas import QueueInfoOut, QueueStats, QueueTaskOut, TaskOut
from shipyard.ci.pipelines import repository as pipelines_repo
from shipyard.ci.pipelines.models import Workflow
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
    agents = await agents_repo.all_agents(session)
    names = {a.id: a.name for a in agents}
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
            worker_count=await agents_service.idle_runners(session, utcnow()),
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
