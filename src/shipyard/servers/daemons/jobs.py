"""Daemon jobs: install, restart and remove supervisor programs on the host."""

from __future__ import annotations

from shipyard.core.db import get_sessionmaker
from shipyard.hostops.daemons import DaemonSpec, render_install, render_remove, render_restart
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import host
from shipyard.servers.daemons import repository


@job("daemons.install", timeout=600, max_attempts=2)
async def install(ctx: JobContext, daemon_id: int) -> None:
    sessions = get_sessionmaker()
    async with sessions() as session:
        daemon = await repository.by_id(session, daemon_id)
        if daemon is None:
            return
        spec = DaemonSpec(
            daemon.id,
            daemon.command,
            daemon.user,
            daemon.directory,
            daemon.processes,
            daemon.startsecs,
            daemon.stopwaitsecs,
            daemon.stopsignal.removeprefix("SIG"),
        )
        server_id = daemon.server_id
    try:
        await host.run(
            sessions,
            server_id,
            render_install(spec),
            description=f"Installing daemon {daemon_id}",
            user_id=ctx.user_id,
        )
        status = "installed"
    except host.HostActionFailed:
        status = "failed"
    async with sessions() as session:
        daemon = await repository.by_id(session, daemon_id)
        if daemon is not None and daemon.status != "removing":
            daemon.status = status
            await session.commit()


@job("daemons.restart", timeout=300, idempotent=False)
async def restart(ctx: JobContext, daemon_id: int) -> None:
    sessions = get_sessionmaker()
    async with sessions() as session:
        daemon = await repository.by_id(session, daemon_id)
        if daemon is None:
            return
        server_id = daemon.server_id
    await host.run(
        sessions,
        server_id,
        render_restart(daemon_id),
        description=f"Restarting daemon {daemon_id}",
        user_id=ctx.user_id,
    )


@job("daemons.remove", timeout=300, max_attempts=3)
async def remove(ctx: JobContext, daemon_id: int) -> None:
    sessions = get_sessionmaker()
    async with sessions() as session:
        daemon = await repository.by_id(session, daemon_id)
        if daemon is None:
            return
        server_id = daemon.server_id
    await host.run(
        sessions,
        server_id,
        render_remove(daemon_id),
        description=f"Removing daemon {daemon_id}",
        user_id=ctx.user_id,
    )
    async with sessions() as session:
        daemon = await repository.by_id(session, daemon_id)
        if daemon is not None:
            await session.delete(daemon)
            await session.commit()
