"""The queue: workflows wait in the database; agents long-poll, claim one with a conditional
UPDATE (so several server processes can share a database), hold it under a lease they renew,
and report its steps, logs and end. A lease that runs out puts a workflow that never started
back at the front of the queue, and fails one that was running (its agent is gone)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.agents import service as agents
from shipyard.ci.agents.models import Agent
from shipyard.ci.logs import service as logs
from shipyard.ci.pipelines import repository as pipelines_repo
from shipyard.ci.pipelines import service as pipelines
from shipyard.ci.pipelines.models import Pipeline, Step, Workflow
from shipyard.ci.status import ACTIVE, FINISHED, Status
from shipyard.core.db import get_sessionmaker, utcnow
from shipyard.core.errors import Conflict, NotFound
from shipyard.core.flags import get_flag, set_flag
from shipyard.core.settings import get_settings
from shipyard_protocol import LogEntry, StepSpec, StepState, WaitResult, WorkflowState, WorkflowTask

PAUSED = "ci.queue.paused"
FAILED_STATES = (Status.FAILURE, Status.KILLED, Status.ERROR, Status.CANCELED)
WAIT_SLICE_SECONDS = 25.0
# A waiting runner stays on record this long after its poll ends: the agent polls again at once.
POLL_GRACE_SECONDS = 2.0


def now() -> int:
    return int(time.time())


async def paused(session: AsyncSession) -> bool:
    return await get_flag(session, PAUSED) == "1"


async def set_paused(session: AsyncSession, value: bool) -> None:
    await set_flag(session, PAUSED, "1" if value else None)


def _lease() -> timedelta:
    return timedelta(seconds=get_settings().ci_lease_seconds)


async def reap(session: AsyncSession) -> int:
    """Handle every expired lease; returns how many workflows it touched."""
    await agents.forget_stale_polls(session, utcnow())
    touched = 0
    for workflow in await pipelines_repo.expired(session, utcnow()):
        was_running = workflow.state == Status.RUNNING
        if not was_running:
            values: dict[str, object] = {"agent_id": None, "lease_until": None}
        else:
            values = {
                "state": Status.FAILURE,
                "finished": now(),
                "lease_until": None,
                "error": f"agent {workflow.agent_id} stopped renewing its lease: the workflow was lost",
            }
        if not await pipelines_repo.release_expired(session, workflow, values):
            continue
        touched += 1
        if was_running:
            for step in await pipelines_repo.steps(session, workflow.id):
                if step.state in ACTIVE:
                    step.state = Status.KILLED
                    step.finished = step.finished or now()
            pipeline = await pipelines_repo.pipeline(session, workflow.pipeline_id)
            if pipeline is not None:
                await pipelines.refresh(session, pipeline)
    return touched


def _deps_verdict(workflow: Workflow, siblings: Sequence[Workflow]) -> str:
    """`wait` while a dependency runs, `run` when the results fit `runs_on`, else `skip`."""
    deps = [w for w in siblings if w.name in workflow.depends_on and w.id != workflow.id]
    if any(w.state not in FINISHED for w in deps):
        return "wait"
    failed = any(w.state in FAILED_STATES for w in deps)
    wanted = "failure" if failed else "success"
    return "run" if wanted in (workflow.runs_on or ["success"]) else "skip"


async def _skip(session: AsyncSession, workflow: Workflow) -> None:
    workflow.state = Status.SKIPPED
    workflow.finished = now()
    for step in await pipelines_repo.steps(session, workflow.id):
        step.state = Status.SKIPPED
    pipeline = await pipelines_repo.pipeline(session, workflow.pipeline_id)
    if pipeline is not None:
        await session.flush()
        await pipelines.refresh(session, pipeline)


def _task(workflow: Workflow) -> WorkflowTask:
    payload = pipelines.payload_of(workflow)
    return WorkflowTask(
        id=workflow.id,
        name=workflow.name,
        timeout_seconds=workflow.timeout_seconds,
        lease_seconds=get_settings().ci_lease_seconds,
        stages=[[StepSpec(**step) for step in stage] for stage in payload["stages"]],
        mask=payload["mask"],
        labels=workflow.labels,
    )


async def _try_claim(session: AsyncSession, agent_id: int, sent: dict[str, str]) -> WorkflowTask | None:
    """The oldest pending workflow this agent may run and no other waiting agent scores better on."""
    await reap(session)
    if await paused(session):
        return None
    agent = await agents.get(session, agent_id)
    agent.last_contact = now()
    if agent.no_schedule:
        return None
    labels = agents.labels_of(agent, sent)
    others = await agents.others_waiting(session, agent.id, utcnow())
    siblings: dict[int, Sequence[Workflow]] = {}
    for workflow in await pipelines_repo.pending_workflows(session):
        if workflow.depends_on:
            if workflow.pipeline_id not in siblings:
                siblings[workflow.pipeline_id] = await pipelines_repo.workflows(session, workflow.pipeline_id)
            verdict = _deps_verdict(workflow, siblings[workflow.pipeline_id])
            if verdict == "skip":
                await _skip(session, workflow)
                continue
            if verdict == "wait":
                continue
        mine = agents.score(workflow.labels, labels)
        if mine <= 0 or agents.outscored(workflow.labels, mine, others):
            continue
        if await pipelines_repo.claim(session, workflow.id, agent.id, utcnow() + _lease()):
            agent.last_work = now()
            await session.refresh(workflow)
            return _task(workflow)
    return None


async def next_task(
    agent_id: int, labels: dict[str, str], runner: int, gone: Callable[[], Awaitable[bool]]
) -> WorkflowTask | None:
    """Long poll: the first pending workflow this agent may run, or None after the poll time.

    While it waits the runner is on record as waiting (until a little after the poll ends, for
    the agent to poll again), so that other agents' polls leave it what it scores best on.
    """
    settings = get_settings()
    deadline = time.monotonic() + settings.ci_long_poll_seconds
    sessions = get_sessionmaker()
    async with sessions() as session:
        agent = await agents.get(session, agent_id)
        until = utcnow() + timedelta(seconds=settings.ci_long_poll_seconds + POLL_GRACE_SECONDS)
        await agents.waiting(session, agent, runner, agents.labels_of(agent, labels), until)
        await session.commit()
    while time.monotonic() < deadline and not await gone():
        async with sessions() as session:
            task = await _try_claim(session, agent_id, labels)
            if task is not None:
                await agents.busy(session, agent_id, runner)
            await session.commit()
        if task is not None:
            return task
        await asyncio.sleep(settings.ci_queue_tick)
    return None


async def _owned(session: AsyncSession, agent: Agent, workflow_id: int) -> Workflow:
    workflow = await pipelines_repo.workflow(session, workflow_id)
    if workflow is None:
        raise NotFound("workflow")
    if workflow.agent_id != agent.id:
        raise Conflict("This agent does not hold the workflow (its lease ran out).")
    return workflow


async def _pipeline(session: AsyncSession, workflow: Workflow) -> Pipeline:
    pipeline = await pipelines_repo.pipeline(session, workflow.pipeline_id)
    if pipeline is None:
        raise NotFound("pipeline")
    return pipeline


async def init(session: AsyncSession, agent: Agent, workflow_id: int, state: WorkflowState) -> None:
    workflow = await _owned(session, agent, workflow_id)
    if workflow.state != Status.PENDING:
        raise Conflict(f"The workflow is {workflow.state}.")
    workflow.state = Status.RUNNING
    workflow.started = state.started or now()
    workflow.platform = agent.platform
    workflow.lease_until = utcnow() + _lease()
    pipeline = await _pipeline(session, workflow)
    if pipeline.status == Status.PENDING:
        pipeline.status = Status.RUNNING
    if not pipeline.started:
        pipeline.started = workflow.started
    await session.flush()
    await pipelines.refresh(session, pipeline)


async def extend(session: AsyncSession, agent: Agent, workflow_id: int) -> WaitResult:
    workflow = await _owned(session, agent, workflow_id)
    agent.last_contact = now()
    if not await pipelines_repo.extend(session, workflow.id, agent.id, utcnow() + _lease()):
        raise Conflict("The workflow is over.")
    return WaitResult(canceled=workflow.cancel_requested, done=workflow.state in FINISHED)


async def wait(agent_id: int, workflow_id: int) -> WaitResult:
    """Block (a slice at a time) until the workflow is canceled or over server-side."""
    deadline = time.monotonic() + min(WAIT_SLICE_SECONDS, get_settings().ci_long_poll_seconds)
    sessions = get_sessionmaker()
    while True:
        async with sessions() as session:
            workflow = await pipelines_repo.workflow(session, workflow_id)
            if workflow is None:
                raise NotFound("workflow")
            if workflow.agent_id != agent_id:
                raise Conflict("This agent does not hold the workflow (its lease ran out).")
            result = WaitResult(canceled=workflow.cancel_requested, done=workflow.state in FINISHED)
        if result.canceled or result.done or time.monotonic() >= deadline:
            return result
        await asyncio.sleep(get_settings().ci_queue_tick)


def _step_of(steps: Sequence[Step], uuid: str) -> Step:
    for step in steps:
        if step.uuid == uuid:
            return step
    raise NotFound("step")


async def update_step(session: AsyncSession, agent: Agent, workflow_id: int, state: StepState) -> None:
    workflow = await _owned(session, agent, workflow_id)
    if workflow.state in FINISHED:
        raise Conflict("The workflow is over.")
    step = _step_of(await pipelines_repo.steps(session, workflow.id), state.step_uuid)
    if state.skipped:
        step.state = Status.SKIPPED
    elif state.canceled:
        step.state = Status.KILLED
        step.finished = state.finished or now()
    elif state.exited or state.finished:
        step.exit_code = state.exit_code
        step.error = state.error
        step.started = step.started or state.started or now()
        step.finished = state.finished or now()
        if state.exit_code == 137:
            step.state = Status.KILLED
        elif state.exit_code == 0 and not state.error:
            step.state = Status.SUCCESS
        else:
            step.state = Status.FAILURE
    elif state.error:
        step.error = state.error
        step.state = Status.FAILURE
        step.finished = now()
    else:
        step.state = Status.RUNNING
        step.started = state.started or now()
    pipeline = await _pipeline(session, workflow)
    pipeline.updated = now()
    if step.state == Status.FAILURE and step.failure == "cancel" and pipeline.status in ACTIVE:
        await pipelines.cancel_pipeline(session, pipeline, step=step.name)


async def append_logs(
    session: AsyncSession, agent: Agent, workflow_id: int, entries: Sequence[LogEntry]
) -> None:
    workflow = await _owned(session, agent, workflow_id)
    steps = await pipelines_repo.steps(session, workflow.id)
    secrets = pipelines.payload_of(workflow)["mask"]
    by_uuid: dict[str, list[LogEntry]] = {}
    for entry in entries:
        by_uuid.setdefault(entry.step_uuid, []).append(entry)
    for uuid, batch in by_uuid.items():
        logs.append(session, _step_of(steps, uuid), batch, secrets)


async def done(session: AsyncSession, agent: Agent, workflow_id: int, state: WorkflowState) -> None:
    workflow = await _owned(session, agent, workflow_id)
    if workflow.state in FINISHED:
        return
    stamp = now()
    steps = await pipelines_repo.steps(session, workflow.id)
    for step in steps:
        if step.state in ACTIVE:
            step.state = Status.KILLED
            step.finished = step.finished or stamp
    workflow.finished = state.finished or stamp
    workflow.error = state.error
    workflow.lease_until = None
    if not workflow.started and workflow.state == Status.PENDING:
        workflow.state = Status.SKIPPED
    elif state.canceled or workflow.cancel_requested:
        workflow.state = Status.KILLED
    elif state.error:
        workflow.state = Status.FAILURE
    else:
        workflow.state = pipelines.workflow_status(steps)
    agent.last_work = stamp
    await session.flush()
    await pipelines.refresh(session, await _pipeline(session, workflow))
