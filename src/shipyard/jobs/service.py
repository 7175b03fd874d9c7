"""How the rest of Shipyard starts and inspects long actions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from shipyard.core.actor import Actor
from shipyard.core.db import utcnow
from shipyard.core.errors import NotFound
from shipyard.jobs import repository
from shipyard.jobs.models import Job, JobLog
from shipyard.jobs.registry import JobSpec, get_spec

# Finished runs of a recurring job kept for inspection; older ones are deleted.
RECURRING_RUNS_KEPT = 10
# Marks a session that enqueued jobs, so that its commit wakes this process's worker.
_ENQUEUED = "shipyard.jobs.enqueued"
_listeners: list[Callable[[], None]] = []


def on_enqueued(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` whenever a transaction of this process that enqueued jobs commits;
    returns the function that stops it. Workers in other processes find the jobs by polling."""
    _listeners.append(callback)
    return lambda: _listeners.remove(callback)


@event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    if session.info.pop(_ENQUEUED, False):
        for callback in list(_listeners):
            callback()


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous_transaction: object) -> None:
    session.info.pop(_ENQUEUED, None)


def enqueue(
    session: AsyncSession,
    name: str,
    args: dict[str, Any] | None = None,
    *,
    resource_key: str | None = None,
    actor: Actor | None = None,
    run_after: datetime | None = None,
) -> Job:
    """Add a job in the caller's transaction (an outbox): it exists exactly when the change commits.

    Jobs sharing a `resource_key` run one at a time, in the order they were enqueued.
    """
    spec = get_spec(name)
    if spec is None:
        raise LookupError(f"no job is registered as {name!r}")
    job = Job(
        name=name,
        args=args or {},
        resource_key=resource_key,
        max_attempts=spec.max_attempts,
        timeout_seconds=spec.timeout,
        idempotent=spec.idempotent,
        run_after=run_after or utcnow(),
        user_id=actor.user_id if actor else None,
        token_id=actor.token_id if actor else None,
    )
    session.add(job)
    session.info[_ENQUEUED] = True
    return job


async def unfinished(session: AsyncSession, names: Sequence[str], resource_key: str) -> bool:
    """Whether a job called one of `names` is still queued or running for `resource_key`."""
    return await repository.unfinished(session, names, resource_key)


async def get(session: AsyncSession, job_id: int) -> Job:
    job = await repository.get(session, job_id)
    if job is None:
        raise NotFound("job")
    return job


async def logs(session: AsyncSession, job_id: int) -> Sequence[JobLog]:
    return await repository.logs(session, job_id)


async def page(session: AsyncSession, *, offset: int, limit: int) -> tuple[Sequence[Job], int]:
    return await repository.page(session, offset=offset, limit=limit)


async def cancel(session: AsyncSession, job_id: int) -> Job:
    await get(session, job_id)
    await repository.request_cancel(session, job_id)
    await session.flush()
    return await get(session, job_id)


async def schedule_recurring(session: AsyncSession, spec: JobSpec, run_after: datetime) -> Job | None:
    """Queue the next run of a recurring job unless one is queued or running already.

    Runs share one resource key, so duplicates (two workers scheduling at once) run one after
    the other and the first finds the second queued and schedules nothing: one run remains.
    """
    await repository.prune_finished(session, spec.name, RECURRING_RUNS_KEPT)
    if await repository.pending(session, spec.name):
        return None
    return enqueue(session, spec.name, resource_key=f"recurring:{spec.name}", run_after=run_after)
