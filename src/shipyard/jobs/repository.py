"""All SQL of the job engine. Every state change is a conditional UPDATE, safe under races."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from shipyard.core.db import utcnow
from shipyard.jobs.models import Job, JobLog, JobStatus


async def claim_next(session: AsyncSession, worker_id: str, lease: float) -> Job | None:
    """Take the oldest runnable job: queued, due, and first in line for its resource.

    On PostgreSQL the candidate row is locked with SKIP LOCKED so that workers do not queue
    behind each other; everywhere the UPDATE is conditional, and the partial unique index on
    running `resource_key`s turns a lost race into an IntegrityError that we treat as "none".
    """
    now = utcnow()
    running = aliased(Job)
    earlier = aliased(Job)
    candidate = (
        select(Job.id)
        .where(Job.status == JobStatus.QUEUED, Job.run_after <= now)
        .where(
            (Job.resource_key.is_(None))
            | (
                ~exists().where(
                    and_(running.resource_key == Job.resource_key, running.status == JobStatus.RUNNING)
                )
                & ~exists().where(
                    and_(
                        earlier.resource_key == Job.resource_key,
                        earlier.status == JobStatus.QUEUED,
                        earlier.id < Job.id,
                    )
                )
            )
        )
        .order_by(Job.id)
        .limit(1)
        .with_for_update(skip_locked=True, of=Job)
    )
    job_id = await session.scalar(candidate)
    if job_id is None:
        return None
    try:
        result = await session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
            .values(
                status=JobStatus.RUNNING,
                attempts=Job.attempts + 1,
                worker_id=worker_id,
                started_at=now,
                lease_expires_at=now + timedelta(seconds=lease),
            )
            .execution_options(synchronize_session=False)
        )
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return None
    if result.rowcount != 1:  # type: ignore[attr-defined]
        await session.rollback()
        return None
    return await session.get(Job, job_id, populate_existing=True)


async def extend_lease(session: AsyncSession, job_id: int, worker_id: str, lease: float) -> tuple[bool, bool]:
    """Renew the lease; returns (still ours, cancel requested)."""
    result = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.worker_id == worker_id, Job.status == JobStatus.RUNNING)
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease))
        .returning(Job.cancel_requested)
    )
    row = result.first()
    await session.commit()
    return (row is not None, bool(row[0]) if row else False)


async def finish(
    session: AsyncSession,
    job_id: int,
    worker_id: str,
    status: JobStatus,
    *,
    error: str | None = None,
    result: dict[str, Any] | None = None,
    retry_at: datetime | None = None,
) -> bool:
    """Record an attempt's outcome; `retry_at` puts the job back in the queue instead."""
    values: dict[str, Any] = {"worker_id": None, "lease_expires_at": None, "error": error}
    if retry_at is not None:
        values |= {"status": JobStatus.QUEUED, "run_after": retry_at}
    else:
        values |= {"status": status, "finished_at": utcnow(), "result": result}
    done = await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.worker_id == worker_id, Job.status == JobStatus.RUNNING)
        .values(**values)
    )
    await session.commit()
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


async def expired(session: AsyncSession) -> Sequence[Job]:
    """Running jobs whose worker stopped renewing the lease."""
    rows = await session.scalars(
        select(Job).where(Job.status == JobStatus.RUNNING, Job.lease_expires_at < utcnow())
    )
    return rows.all()


async def release_expired(session: AsyncSession, job: Job, values: dict[str, Any]) -> bool:
    """Requeue or fail one expired job, unless its worker renewed the lease meanwhile."""
    done = await session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status == JobStatus.RUNNING, Job.lease_expires_at < utcnow())
        .values(worker_id=None, lease_expires_at=None, **values)
    )
    await session.commit()
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def add_log(session: AsyncSession, job_id: int, attempt: int, line: str) -> None:
    session.add(JobLog(job_id=job_id, attempt=attempt, line=line))


async def get(session: AsyncSession, job_id: int) -> Job | None:
    return await session.get(Job, job_id)


async def logs(session: AsyncSession, job_id: int) -> Sequence[JobLog]:
    rows = await session.scalars(select(JobLog).where(JobLog.job_id == job_id).order_by(JobLog.id))
    return rows.all()


async def page(session: AsyncSession, *, offset: int, limit: int) -> tuple[Sequence[Job], int]:
    total = await session.scalar(select(func.count()).select_from(Job)) or 0
    rows = await session.scalars(select(Job).order_by(Job.id.desc()).offset(offset).limit(limit))
    return rows.all(), total


async def pending(session: AsyncSession, name: str) -> bool:
    """Whether a job called `name` is queued or running."""
    found = await session.scalar(
        select(Job.id).where(Job.name == name, Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING))).limit(1)
    )
    return found is not None


async def unfinished(session: AsyncSession, names: Sequence[str], resource_key: str) -> bool:
    """Whether a job called one of `names` is queued or running for `resource_key`."""
    found = await session.scalar(
        select(Job.id)
        .where(
            Job.name.in_(names),
            Job.resource_key == resource_key,
            Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
        )
        .limit(1)
    )
    return found is not None


async def prune_finished(session: AsyncSession, name: str, keep: int) -> None:
    """Delete the finished jobs called `name` but the newest `keep` (their logs go with them)."""
    finished = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED)
    oldest_kept = await session.scalar(
        select(Job.id)
        .where(Job.name == name, Job.status.in_(finished))
        .order_by(Job.id.desc())
        .offset(keep - 1)
        .limit(1)
    )
    if oldest_kept is not None:
        await session.execute(
            delete(Job).where(Job.name == name, Job.status.in_(finished), Job.id < oldest_kept)
        )


async def request_cancel(session: AsyncSession, job_id: int) -> None:
    """Queued jobs are cancelled at once; running ones see `ctx.cancelled` at their next heartbeat."""
    await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
        .values(status=JobStatus.CANCELLED, finished_at=utcnow())
    )
    await session.execute(
        update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING).values(cancel_requested=True)
    )
