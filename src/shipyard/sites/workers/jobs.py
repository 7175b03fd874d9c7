"""Worker jobs: install, restart and remove a worker's supervisor program on the host."""

from __future__ import annotations

from shipyard.hostops.daemons import program_name, render_remove, render_restart
from shipyard.hostops.workers import render_worker_install
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import resources
from shipyard.sites.workers import repository
from shipyard.sites.workers.service import spec


@job("workers.install", timeout=600, max_attempts=2)
async def install(ctx: JobContext, resource_id: int) -> None:
    await resources.install(
        ctx,
        repository.for_host,
        resource_id,
        lambda w: render_worker_install(spec(w, w.site, w.site.server)),
        f"Installing worker {resource_id}",
    )


@job("workers.restart", timeout=300, idempotent=False)
async def restart(ctx: JobContext, resource_id: int) -> None:
    await resources.act(
        ctx,
        repository.for_host,
        resource_id,
        lambda w: render_restart(program_name("worker", w.id)),
        f"Restarting worker {resource_id}",
    )


@job("workers.remove", timeout=300, max_attempts=3)
async def remove(ctx: JobContext, resource_id: int) -> None:
    await resources.remove(
        ctx,
        repository.for_host,
        resource_id,
        lambda w: render_remove(program_name("worker", w.id)),
        f"Removing worker {resource_id}",
    )
