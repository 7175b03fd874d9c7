"""Integration jobs: `artisan down/up` for maintenance mode (the daemons and the scheduler's cron
line are server daemons and scheduled jobs, installed by their own jobs)."""

from __future__ import annotations

from shipyard.core.db import get_sessionmaker
from shipyard.hostops.laravel import render_maintenance
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import host
from shipyard.sites.integrations import repository
from shipyard.sites.integrations.service import php_of, root_of


@job("integrations.maintenance", timeout=300, max_attempts=1)
async def maintenance(ctx: JobContext, integration_id: int, down: bool, status: int = 503) -> None:
    """Run `artisan down` or `artisan up` on the host; the change is no longer pending either way
    (the outcome is the server event, and GET reads the host)."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        integration = await repository.by_id(session, integration_id)
        if integration is None:
            return
        site = await repository.site_for_host(session, integration.site_id)
        if site is None:
            return
        script = render_maintenance(
            site.username,
            root_of(site),
            php_of(site, site.server),
            down=down,
            secret=integration.secret,
            status=status,
        )
        server_id, site_id = site.server_id, site.id
    try:
        await host.run(
            sessions,
            server_id,
            script,
            description=f"{'Enabling' if down else 'Disabling'} maintenance mode of site {site_id}",
            user_id=ctx.user_id,
        )
    finally:
        async with sessions() as session:
            integration = await repository.by_id(session, integration_id)
            if integration is not None:
                integration.status, integration.secret = None, None
                await session.commit()
