"""Step logs: appended by agents (masked), read, downloaded, deleted, streamed."""

from __future__ import annotations

import base64
from collections.abc import Sequence

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.logs import repository
from shipyard.ci.logs.models import LogLine
from shipyard.ci.pipelines.models import Step
from shipyard_protocol import LogEntry

MASK = "********"
MAX_LINE = 1 << 20


class LogEntryOut(BaseModel):
    id: int
    step_id: int
    time: int
    line: int
    data: str  # base64, as Woodpecker's []byte
    type: int


def entry_out(line: LogLine) -> LogEntryOut:
    return LogEntryOut(
        id=line.id,
        step_id=line.step_id,
        time=line.time,
        line=line.line,
        data=base64.b64encode(line.data.encode()).decode(),
        type=line.type,
    )


def mask(text: str, values: Sequence[str]) -> str:
    """Replace every secret value (and each of its lines, for multi-line secrets) with ********."""
    for value in sorted(values, key=len, reverse=True):
        for part in [value, *value.splitlines()]:
            if part.strip():
                text = text.replace(part, MASK)
    return text


def append(session: AsyncSession, step: Step, entries: Sequence[LogEntry], secrets: Sequence[str]) -> None:
    for entry in entries:
        session.add(
            LogLine(
                step_id=step.id,
                line=entry.line,
                time=entry.time,
                type=int(entry.type),
                data=mask(entry.data[:MAX_LINE], secrets),
            )
        )


async def lines(session: AsyncSession, step: Step, *, after: int = -1) -> Sequence[LogLine]:
    return await repository.lines(session, step.id, after=after)


async def delete_step(session: AsyncSession, step: Step) -> None:
    await repository.delete_step(session, step.id)


async def delete_pipeline(session: AsyncSession, pipeline_id: int) -> None:
    await repository.delete_pipeline(session, pipeline_id)
