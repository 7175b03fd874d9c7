"""The recurring sweep that samples every monitored server and moves its monitors' states.

Every SHIPYARD_MONITOR_INTERVAL seconds one run reads the metrics of each server that has
monitors, a few servers at a time, each within SHIPYARD_MONITOR_TIMEOUT seconds. A server that
cannot be reached in that time (or whose script fails) gives no sample this round: its monitors
keep the state they had, since there is nothing to judge them by, and the run's log says which
server was missed and why. One run at a time (a recurring job), so a server is never sampled
twice at once by the rounds.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shipyard.core.db import get_sessionmaker, utcnow
from shipyard.core.script import HostResult
from shipyard.core.settings import get_settings
from shipyard.hostops.monitors import Reading, parse_sample, render_sample
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import host
from shipyard.servers.models import Server
from shipyard.servers.monitors import repository, service

PARALLEL_SERVERS = 8


class NotSampled(Exception):
    """The server gave no reading this round."""


async def _read(sessions: async_sessionmaker[AsyncSession], server_id: int) -> Reading:
    """Run the sample script, giving up after the monitor timeout.

    The run is shielded from that timeout and then cancelled without waiting for it: its clean-up
    may wait on a connection the host stopped answering (until SSH keepalives close it), and the
    round must not wait with it. The pooled connection is left alone, as other jobs may be using it.
    """
    limit = get_settings().monitor_timeout
    run: asyncio.Task[HostResult] = asyncio.create_task(
        host.run(
            sessions,
            server_id,
            render_sample(),
            description="Sampling monitors",
            time_limit=max(1.0, limit),
            record_event=False,
        )
    )
    run.add_done_callback(lambda task: task.cancelled() or task.exception())
    try:
        result = await asyncio.wait_for(asyncio.shield(run), limit)
    except TimeoutError:
        run.cancel()
        raise NotSampled(f"no answer within {limit:g}s") from None
    except host.HostActionFailed as exc:
        raise NotSampled(str(exc)) from exc
    try:
        return parse_sample(result.result)
    except ValueError as exc:
        raise NotSampled(str(exc)) from exc


async def _sample(ctx: JobContext, sessions: async_sessionmaker[AsyncSession], server_id: int) -> bool:
    """Sample one server and apply the reading; False when it could not be sampled."""
    try:
        reading = await _read(sessions, server_id)
    except NotSampled as exc:
        await ctx.log(f"server {server_id}: not sampled, its monitors keep their state: {exc}")
        return False
    async with sessions() as session:
        server = await session.get(Server, server_id)
        if server is None:
            return False
        changed = await service.record(session, server, reading, utcnow())
        await session.commit()
    for monitor in changed:
        await ctx.log(f"server {server_id}: monitor {monitor.id} is now {monitor.state}")
    return True


@job("monitors.sample", timeout=600, every=lambda: get_settings().monitor_interval)
async def sample(ctx: JobContext) -> dict[str, Any]:
    """One sampling round over every monitored server."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        await repository.prune_unmonitored(session)
        server_ids = await repository.monitored_servers(session)
        await session.commit()
    slots = asyncio.Semaphore(PARALLEL_SERVERS)

    async def one(server_id: int) -> bool:
        async with slots:
            return await _sample(ctx, sessions, server_id)

    outcomes = await asyncio.gather(*(one(server_id) for server_id in server_ids), return_exceptions=True)
    missed: list[int] = []
    for server_id, outcome in zip(server_ids, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            await ctx.log(f"server {server_id}: sample not recorded: {type(outcome).__name__}: {outcome}")
        if outcome is not True:
            missed.append(server_id)
    return {"sampled": [s for s in server_ids if s not in missed], "missed": missed}
