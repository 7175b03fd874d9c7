"""Log streaming: lines are masked, numbered per step, batched, and flushed every second."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence

from shipyard_agent.client import Client, LeaseLost
from shipyard_protocol import LogEntry, LogType

log = logging.getLogger(__name__)
MASK = "********"
FLUSH_SECONDS = 1.0
MAX_BATCH_BYTES = 1 << 20
MAX_LINE_BYTES = 1 << 20


def mask(text: str, secrets: Sequence[str]) -> str:
    for value in secrets:
        for part in [value, *value.splitlines()]:
            if part.strip():
                text = text.replace(part, MASK)
    return text


class LogStream:
    """Collects lines of every step of one workflow and sends them in batches."""

    def __init__(self, client: Client, workflow_id: int, secrets: Sequence[str]) -> None:
        self.client = client
        self.workflow_id = workflow_id
        self.secrets = sorted(secrets, key=len, reverse=True)
        self._pending: list[LogEntry] = []
        self._size = 0
        self._numbers: dict[str, int] = {}
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._full = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    def line(self, step_uuid: str, started: float, text: str, kind: LogType = LogType.STDOUT) -> None:
        number = self._numbers.get(step_uuid, 0)
        self._numbers[step_uuid] = number + 1
        data = mask(text[:MAX_LINE_BYTES], self.secrets)
        entry = LogEntry(
            step_uuid=step_uuid, time=int(time.monotonic() - started), line=number, type=kind, data=data
        )
        self._pending.append(entry)
        self._size += len(data)
        if self._size >= MAX_BATCH_BYTES:
            self._full.set()

    async def flush(self) -> None:
        async with self._lock:
            batch, self._pending, self._size = self._pending, [], 0
            if not batch:
                return
            try:
                await self.client.logs(self.workflow_id, batch)
            except LeaseLost:
                log.warning("workflow %d: lease lost; dropping %d log lines", self.workflow_id, len(batch))

    async def _loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), FLUSH_SECONDS)
            self._full.clear()
            await self.flush()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()
