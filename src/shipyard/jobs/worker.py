"""The worker loop: reap expired leases, claim jobs, run them under a renewed lease, record outcomes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import traceback
import uuid
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shipyard.audit import service as audit
from shipyard.core.actor import Actor
from shipyard.core.db import utcnow
from shipyard.jobs import repository
from shipyard.jobs import service as jobs
from shipyard.jobs.context import JobContext
from shipyard.jobs.models import Job, JobStatus
from shipyard.jobs.registry import JobFailed, JobSpec, get_spec, recurring_specs

log = logging.getLogger(__name__)

RETRY_BACKOFF_SECONDS = (1, 5, 30, 120)


class Worker:
    """Runs up to `concurrency` jobs at once until `stop()`.

    Many workers may share one database: claims are conditional and leases expire, so a
    worker that dies mid-job leaves the job to be retried (idempotent jobs) or failed.
    Recurring jobs schedule their next run when a run ends; every worker also checks, at start
    and then once per lease period, that each recurring job has a run queued (after a crash or
    a cancel), so none stops for good.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        concurrency: int,
        lease_seconds: float,
        poll_seconds: float,
    ) -> None:
        self.sessions = sessions
        self.concurrency = concurrency
        self.lease = lease_seconds
        self.poll = poll_seconds
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._running: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        # Set when there may be work sooner than the next poll: a job was enqueued in this
        # process, or one finished (freeing a slot or its resource), or the worker stops.
        self._wake = asyncio.Event()
        # The periodic check and the end of a run both schedule a recurring job's next run: one
        # at a time, so that the second sees the first's run (other processes may still add a
        # duplicate; sharing a resource key, duplicates run one after the other).
        self._scheduling = asyncio.Lock()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        log.info("worker %s started (concurrency %d)", self.id, self.concurrency)
        next_check = time.monotonic()
        stop_listening = jobs.on_enqueued(self._wake.set)
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                if time.monotonic() >= next_check:
                    await self.ensure_recurring()
                    next_check = time.monotonic() + self.lease
                await self.reap_expired()
                while len(self._running) < self.concurrency and not self._stopping.is_set():
                    job = await self._claim()
                    if job is None:
                        break
                    task = asyncio.create_task(self._execute(job))
                    self._running.add(task)
                    task.add_done_callback(self._finished)
            except Exception:
                log.exception("worker loop error; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll)
        stop_listening()
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        self._wake.set()

    async def ensure_recurring(self) -> None:
        """Queue a run, due now, of every recurring job that has none queued or running."""
        for spec in recurring_specs():
            async with self._scheduling, self.sessions() as session:
                if await jobs.schedule_recurring(session, spec, utcnow()) is not None:
                    log.info("queued recurring job %s", spec.name)
                await session.commit()

    async def _schedule_next(self, spec: JobSpec, job: Job) -> None:
        """Queue the next run `every` seconds after this one started (at once if it ran longer)."""
        assert spec.every is not None
        started = job.started_at or utcnow()
        run_after = max(utcnow(), started + timedelta(seconds=spec.every()))
        try:
            async with self._scheduling, self.sessions() as session:
                await jobs.schedule_recurring(session, spec, run_after)
                await session.commit()
        except Exception:
            log.exception("could not schedule the next run of %s; the periodic check will", spec.name)

    async def _claim(self) -> Job | None:
        async with self.sessions() as session:
            return await repository.claim_next(session, self.id, self.lease)

    async def reap_expired(self) -> None:
        """Requeue (idempotent, attempts left) or fail every job whose lease ran out."""
        async with self.sessions() as session:
            for job in await repository.expired(session):
                retry = job.idempotent and job.attempts < job.max_attempts
                reason = f"lease expired on worker {job.worker_id}: the worker stopped or lost contact"
                if retry:
                    values = {"status": JobStatus.QUEUED, "run_after": utcnow(), "error": reason}
                else:
                    values = {"status": JobStatus.FAILED, "finished_at": utcnow(), "error": reason}
                if await repository.release_expired(session, job, values):
                    repository.add_log(
                        session, job.id, job.attempts, reason + ("; retrying" if retry else "; giving up")
                    )
                    if not retry:
                        self._audit(session, job, JobStatus.FAILED)
                    await session.commit()

    async def _execute(self, job: Job) -> None:
        spec = get_spec(job.name)
        ctx = JobContext(job.id, job.attempts, job.user_id, self.sessions)
        if spec is None:
            await self._finish(job, JobStatus.FAILED, error=f"no job is registered as {job.name!r}")
            return
        heartbeat = asyncio.create_task(self._heartbeat(job, ctx, asyncio.current_task()))
        try:
            await ctx.log(f"attempt {job.attempts} of {job.max_attempts} on worker {self.id}")
            result = await asyncio.wait_for(spec.function(ctx, **job.args), timeout=job.timeout_seconds)
        except asyncio.CancelledError:
            if self._stopping.is_set():
                raise  # shutting down: the lease will expire and the job be retried or failed
            status = JobStatus.CANCELLED if ctx.cancelled else JobStatus.FAILED
            await self._finish(job, status, error="cancelled" if ctx.cancelled else "lease lost")
        except TimeoutError:
            await self._finish(job, JobStatus.FAILED, error=f"timed out after {job.timeout_seconds:g}s")
        except JobFailed as exc:
            await ctx.log(f"failed: {exc}")
            await self._finish(job, JobStatus.FAILED, error=str(exc))
        except Exception as exc:
            await ctx.log(traceback.format_exc())
            await self._fail_or_retry(job, f"{type(exc).__name__}: {exc}")
        else:
            status = JobStatus.CANCELLED if ctx.cancelled else JobStatus.SUCCEEDED
            await self._finish(job, status, result=result)
        finally:
            heartbeat.cancel()
        if spec.recurring:
            await self._schedule_next(spec, job)

    async def _heartbeat(self, job: Job, ctx: JobContext, runner: asyncio.Task[None] | None) -> None:
        while True:
            await asyncio.sleep(self.lease / 3)
            async with self.sessions() as session:
                ours, cancel = await repository.extend_lease(session, job.id, self.id, self.lease)
            if not ours and runner is not None:
                runner.cancel()  # someone reaped it: stop working on a job we no longer hold
                return
            if cancel and not ctx.cancelled:
                ctx.cancelled = True

    async def _fail_or_retry(self, job: Job, error: str) -> None:
        if job.idempotent and job.attempts < job.max_attempts:
            delay = RETRY_BACKOFF_SECONDS[min(job.attempts - 1, len(RETRY_BACKOFF_SECONDS) - 1)]
            async with self.sessions() as session:
                await repository.finish(
                    session,
                    job.id,
                    self.id,
                    JobStatus.QUEUED,
                    error=error,
                    retry_at=utcnow() + timedelta(seconds=delay),
                )
            return
        await self._finish(job, JobStatus.FAILED, error=error)

    async def _finish(
        self,
        job: Job,
        status: JobStatus,
        *,
        error: str | None = None,
        result: dict[str, object] | None = None,
    ) -> None:
        async with self.sessions() as session:
            if await repository.finish(session, job.id, self.id, status, error=error, result=result):
                self._audit(session, job, status)
                await session.commit()

    @staticmethod
    def _audit(session: AsyncSession, job: Job, status: JobStatus) -> None:
        spec = get_spec(job.name)
        if spec is not None and spec.recurring:
            return  # a recurring run is Shipyard's own housekeeping, not anyone's change
        actor = Actor(user_id=job.user_id, token_id=job.token_id)
        audit.record(
            session,
            actor,
            f"job.{status.value}",
            subject=f"job:{job.id}",
            details={"name": job.name, "attempts": job.attempts},
        )
