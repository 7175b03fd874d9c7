"""Scheduled job jobs (for the engine): put a job's line into the user's crontab, or take it out."""

from __future__ import annotations

from shipyard.hostops.cron import CronJobSpec, render_install, render_remove
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import resources
from shipyard.servers.cron import repository
from shipyard.servers.cron.models import ScheduledJob


def spec(scheduled: ScheduledJob) -> CronJobSpec:
    return CronJobSpec(scheduled.id, scheduled.user, scheduled.cron, scheduled.command)


@job("cron.install", timeout=300, max_attempts=2)
async def install(ctx: JobContext, resource_id: int) -> None:
    """`installed` once the host shows the line in the crontab; `failed` otherwise (the event has why)."""
    await resources.install(
        ctx,
        repository.by_id,
        resource_id,
        lambda j: render_install(spec(j)),
        f"Installing scheduled job {resource_id}",
    )


@job("cron.remove", timeout=300, max_attempts=3)
async def remove(ctx: JobContext, resource_id: int) -> None:
    await resources.remove(
        ctx,
        repository.by_id,
        resource_id,
        lambda j: render_remove(j.id, j.user),
        f"Removing scheduled job {resource_id}",
    )
