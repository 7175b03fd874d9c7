"""What a running job sees: its id and attempt, a log, checkpoints, and whether it was cancelled."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shipyard.jobs.models import JobLog, JobStep

T = TypeVar("T")


class JobContext:
    def __init__(
        self, job_id: int, attempt: int, user_id: int | None, sessions: async_sessionmaker[AsyncSession]
    ) -> None:
        self.job_id = job_id
        self.attempt = attempt
        self.user_id = user_id
        self.cancelled = False
        self._sessions = sessions

    async def log(self, line: str) -> None:
        """Append a line to the job's log, committed at once so that readers see it live."""
        async with self._sessions() as session:
            session.add(JobLog(job_id=self.job_id, attempt=self.attempt, line=line))
            await session.commit()

    async def step(self, name: str, action: Callable[[], Awaitable[T]]) -> T | None:
        """Run `action` unless an earlier attempt finished the step `name`; then checkpoint it."""
        async with self._sessions() as session:
            done = await session.scalar(
                select(JobStep.name).where(JobStep.job_id == self.job_id, JobStep.name == name)
            )
        if done is not None:
            await self.log(f"step {name}: done in an earlier attempt, skipped")
            return None
        result = await action()
        async with self._sessions() as session:
            session.add(JobStep(job_id=self.job_id, name=name))
            await session.commit()
        return result
