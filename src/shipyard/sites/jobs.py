"""Site jobs: install, update and remove a site on its server's host."""

from __future__ import annotations

from shipyard.core.db import get_sessionmaker
from shipyard.core.script import Script
from shipyard.hostops.sites import render_install, render_remove, site_root
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import resources
from shipyard.sites import processes, repository
from shipyard.sites.models import Site
from shipyard.sites.service import spec_of


async def _apply(ctx: JobContext, resource_id: int, description: str) -> None:
    """Converge the site on the host; once the host confirms, it has the site under its name, and
    after a rename what runs from the site's root follows it there."""
    rendered: list[tuple[str, str, str | None]] = []  # (user, domain, the domain the host had)

    def render(site: Site) -> Script:
        rendered.append((site.username, site.name, site.host_name))
        return render_install(spec_of(site, site.server), previous_domain=site.host_name)

    if await resources.install(ctx, repository.for_host, resource_id, render, description):
        user, domain, previous = rendered[0]
        async with get_sessionmaker()() as session:
            site = await repository.for_host(session, resource_id)
            if site is not None:
                site.host_name = domain
                await session.commit()
        if previous is not None and previous != domain:
            await processes.follow_rename(
                ctx, resource_id, site_root(user, previous), site_root(user, domain)
            )


@job("sites.install", timeout=600, max_attempts=2)
async def install(ctx: JobContext, resource_id: int) -> None:
    await _apply(ctx, resource_id, f"Installing site {resource_id}")


@job("sites.update", timeout=600, max_attempts=2)
async def update(ctx: JobContext, resource_id: int) -> None:
    await _apply(ctx, resource_id, f"Updating site {resource_id}")


@job("sites.remove", timeout=300, max_attempts=3)
async def remove(ctx: JobContext, resource_id: int) -> None:
    """Take the site off the host (also under the domain it had before a rename that did not
    reach the host), its workers, daemons and scheduler first; an isolated user goes with the
    last of its sites."""
    async with get_sessionmaker()() as session:
        site = await repository.for_host(session, resource_id)
        if site is None:
            return
        last_of_user = await repository.others_of_user(session, site) == 0
        server_id = site.server_id
    await processes.remove(ctx, resource_id, server_id)
    await resources.remove(
        ctx,
        repository.for_host,
        resource_id,
        lambda site: render_remove(
            spec_of(site, site.server), remove_user=last_of_user, previous_domain=site.host_name
        ),
        f"Removing site {resource_id}",
    )
