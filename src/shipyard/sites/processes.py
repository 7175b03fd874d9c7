"""What a site runs outside its directory, removed from the host before the site itself: its
workers' and integrations' supervisor programs and its scheduler's crontab line."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.core.db import get_sessionmaker
from shipyard.core.script import Script
from shipyard.hostops import cron
from shipyard.hostops.daemons import program_name, render_remove
from shipyard.jobs.context import JobContext
from shipyard.servers import host
from shipyard.servers.cron.models import ScheduledJob
from shipyard.servers.daemons.models import Daemon
from shipyard.sites.integrations import repository as integrations
from shipyard.sites.workers import repository as workers


async def _removals(session: AsyncSession, site_id: int) -> list[tuple[Script, str]]:
    removals = [
        (render_remove(program_name("worker", worker_id)), f"Removing worker {worker_id} of site {site_id}")
        for worker_id in await workers.ids_of_site(session, site_id)
    ]
    for integration in await integrations.of_site(session, site_id):
        if integration.daemon_id is not None:
            removals.append(
                (
                    render_remove(program_name("daemon", integration.daemon_id)),
                    f"Removing daemon {integration.daemon_id} ({integration.kind}) of site {site_id}",
                )
            )
        job = await session.get(ScheduledJob, integration.job_id) if integration.job_id is not None else None
        if job is not None:
            removals.append(
                (
                    cron.render_remove(job.id, job.user),
                    f"Removing scheduled job {job.id} ({integration.kind}) of site {site_id}",
                )
            )
    return removals


async def remove(ctx: JobContext, site_id: int, server_id: int) -> None:
    """Stop and remove them on the host, then forget the integrations' daemons and jobs (the
    workers go with the site's row). A failure raises: the site's removal is retried."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        removals = await _removals(session, site_id)
    for script, description in removals:
        await host.run(sessions, server_id, script, description=description, user_id=ctx.user_id)
    async with sessions() as session:
        for integration in await integrations.of_site(session, site_id):
            for row in (
                await session.get(Daemon, integration.daemon_id) if integration.daemon_id else None,
                await session.get(ScheduledJob, integration.job_id) if integration.job_id else None,
            ):
                if row is not None:
                    await session.delete(row)
        await session.commit()
