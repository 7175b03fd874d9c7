"""What a site runs outside its directory: its workers' and integrations' supervisor programs
and its scheduler's crontab line, removed from the host before the site itself, and pointed at
the new site root after a rename (with every other daemon, scheduled job and the deployment
script that named a path inside the old one)."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.core.db import get_sessionmaker
from shipyard.core.script import Script
from shipyard.hostops import cron
from shipyard.hostops.daemons import program_name, render_remove
from shipyard.jobs.context import JobContext
from shipyard.servers import host, resources
from shipyard.servers.cron import jobs as cron_jobs
from shipyard.servers.cron import repository as scheduled_jobs
from shipyard.servers.cron.models import ScheduledJob
from shipyard.servers.daemons import jobs as daemon_jobs
from shipyard.servers.daemons import repository as daemons
from shipyard.servers.daemons.models import Daemon
from shipyard.sites import repository
from shipyard.sites.integrations import repository as integrations
from shipyard.sites.workers import jobs as worker_jobs
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


def moved(text: str, previous_root: str, root: str) -> str:
    """`text` with every path in `previous_root` (itself or below it) moved to `root`."""
    return re.sub(re.escape(previous_root) + r"(?![A-Za-z0-9._-])", lambda _: root, text)


async def follow_rename(ctx: JobContext, site_id: int, previous_root: str, root: str) -> None:
    """The site's root moved from `previous_root` to `root` on the host: rewrite the deployment
    script, the server's daemons and scheduled jobs that name a path inside it, then install
    them and the site's workers anew with their install jobs' steps, so that they run from `root`
    (supervisor restarts a program whose configuration changed). One the host refuses is `failed`."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        site = await repository.for_host(session, site_id)
        if site is None:
            return
        if site.deployment_script is not None:
            site.deployment_script = moved(site.deployment_script, previous_root, root)
        changed_daemons: list[int] = []
        for daemon in await daemons.of_server(session, site.server_id):
            directory = moved(daemon.directory or "", previous_root, root) or None
            command = moved(daemon.command, previous_root, root)
            if daemon.status != resources.REMOVING and (directory, command) != (
                daemon.directory,
                daemon.command,
            ):
                daemon.directory, daemon.command = directory, command
                changed_daemons.append(daemon.id)
        changed_jobs: list[int] = []
        for job in await scheduled_jobs.of_server(session, site.server_id):
            command = moved(job.command, previous_root, root)
            if job.status != resources.REMOVING and command != job.command:
                job.command = command
                changed_jobs.append(job.id)
        worker_ids = [
            worker_id
            for worker_id in await workers.ids_of_site(session, site_id)
            if (worker := await workers.for_host(session, worker_id)) is not None
            and worker.status != resources.REMOVING
        ]
        await session.commit()
    for worker_id in worker_ids:
        await worker_jobs.install(ctx, resource_id=worker_id)
    for daemon_id in changed_daemons:
        await daemon_jobs.install(ctx, resource_id=daemon_id)
    for job_id in changed_jobs:
        await cron_jobs.install(ctx, resource_id=job_id)
