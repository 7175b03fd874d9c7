"""Jobs that only the tests register (via SHIPYARD_JOB_MODULES): they leave a trace in a file."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job


def _trace(path: str, line: str) -> None:
    with Path(path).open("a") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


async def _traced(
    ctx: JobContext, path: str, label: str, first_attempt_seconds: float, seconds: float
) -> dict[str, int]:
    _trace(path, f"start {label} attempt={ctx.attempt} pid={os.getpid()}")
    await ctx.log(f"{label} working")
    await asyncio.sleep(first_attempt_seconds if ctx.attempt == 1 else seconds)
    _trace(path, f"end {label} attempt={ctx.attempt}")
    return {"attempt": ctx.attempt}


@job("test.retryable", timeout=120, max_attempts=3)
async def retryable(
    ctx: JobContext, path: str, label: str = "job", first_attempt_seconds: float = 0, seconds: float = 0
) -> dict[str, int]:
    return await _traced(ctx, path, label, first_attempt_seconds, seconds)


@job("test.once", timeout=120, idempotent=False)
async def once(
    ctx: JobContext, path: str, label: str = "job", first_attempt_seconds: float = 0, seconds: float = 0
) -> dict[str, int]:
    return await _traced(ctx, path, label, first_attempt_seconds, seconds)


@job("test.flaky", timeout=120, max_attempts=3)
async def flaky(ctx: JobContext, path: str) -> dict[str, int]:
    """Fails its first attempt after a checkpointed step; the retry must skip that step."""

    async def provision() -> None:
        _trace(path, f"provision attempt={ctx.attempt}")

    await ctx.step("provision", provision)
    if ctx.attempt == 1:
        raise RuntimeError("the host went away")
    _trace(path, f"finish attempt={ctx.attempt}")
    return {"attempt": ctx.attempt}
