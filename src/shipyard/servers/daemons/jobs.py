"""Daemon jobs: install, restart and remove supervisor programs on the host."""

from __future__ import annotations

from shipyard.hostops.daemons import DaemonSpec, program_name, render_install, render_remove, render_restart
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import resources
from shipyard.servers.daemons import repository
from shipyard.servers.daemons.models import Daemon


def spec(daemon: Daemon) -> DaemonSpec:
    return DaemonSpec(
        daemon.id,
        daemon.command,
        daemon.user,
        daemon.directory,
        daemon.processes,
        daemon.startsecs,
        daemon.stopwaitsecs,
        daemon.stopsignal.removeprefix("SIG"),
    )


@job("daemons.install", timeout=600, max_attempts=2)
async def install(ctx: JobContext, resource_id: int) -> None:
    await resources.install(
        ctx,
        repository.by_id,
        resource_id,
        lambda d: render_install(spec(d)),
        f"Installing daemon {resource_id}",
    )


@job("daemons.restart", timeout=300, idempotent=False)
async def restart(ctx: JobContext, resource_id: int) -> None:
    await resources.act(
        ctx,
        repository.by_id,
        resource_id,
        lambda d: render_restart(program_name("daemon", d.id)),
        f"Restarting daemon {resource_id}",
    )


@job("daemons.remove", timeout=300, max_attempts=3)
async def remove(ctx: JobContext, resource_id: int) -> None:
    await resources.remove(
        ctx,
        repository.by_id,
        resource_id,
        lambda d: render_remove(program_name("daemon", d.id)),
        f"Removing daemon {resource_id}",
    )
