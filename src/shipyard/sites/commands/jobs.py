"""The job that runs one site command on its host, as the site user, once."""

from __future__ import annotations

from sqlalchemy import update

from shipyard.core.db import get_sessionmaker, utcnow
from shipyard.hostops.deployments import render_command, script_output
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import JobFailed, job
from shipyard.servers import host
from shipyard.sites import repository as sites_repository
from shipyard.sites.commands.models import SiteCommand
from shipyard.sites.commands.service import FAILED, FINISHED, RUNNING
from shipyard.sites.service import spec_of

COMMAND_SECONDS = 600


@job("sites.commands.run", timeout=COMMAND_SECONDS + 60, max_attempts=1, idempotent=False)
async def run(ctx: JobContext, command_id: int) -> None:
    """A command that exits non-zero (or cannot reach the host) is `failed`; it never runs twice."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        row = await session.get(SiteCommand, command_id)
        site = await sites_repository.for_host(session, row.site_id) if row else None
        if row is None or site is None:
            return
        row.status, row.started_at = RUNNING, utcnow()
        script = render_command(spec_of(site, site.server), row.command)
        server_id, user = site.server_id, site.username
        await session.commit()

    async def follow(event_id: int) -> None:
        async with sessions() as session:
            await session.execute(
                update(SiteCommand).where(SiteCommand.id == command_id).values(event_id=event_id)
            )
            await session.commit()

    try:
        result = await host.run(
            sessions,
            server_id,
            script,
            description=f"Running a command in site {site.id}",
            user_id=ctx.user_id,
            run_as=user,
            time_limit=COMMAND_SECONDS,
            check=False,
            on_event=follow,
        )
        ok, output = result.ok, script_output(result.output)
    except host.HostActionFailed:
        # The server event keeps what it printed, and why it did not finish.
        ok, output = False, None
    async with sessions() as session:
        row = await session.get(SiteCommand, command_id)
        if row is None:
            return
        row.status, row.output, row.finished_at = (FINISHED if ok else FAILED), output, utcnow()
        await session.commit()
    if not ok:
        raise JobFailed(f"The command {command_id} in site {site.id} failed; see its output.")
