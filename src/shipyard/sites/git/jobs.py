"""Git jobs: clone, re-point and remove a site's repository on its server's host."""

from __future__ import annotations

from collections.abc import Callable

from shipyard.core.db import get_sessionmaker
from shipyard.core.script import Script
from shipyard.hostops.git import render_install, render_remove, render_update
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import JobFailed, job
from shipyard.servers import host
from shipyard.sites import repository
from shipyard.sites.git.service import FAILED, INSTALLED, REMOVING, repository_of
from shipyard.sites.models import Site
from shipyard.sites.service import spec_of

GIT_SECONDS = 1500  # a clone plus composer install


async def _apply(
    ctx: JobContext, site_id: int, render: Callable[[Site], Script | None], description: str
) -> bool | None:
    """Run the site's git script on its host: None when the site is gone, else whether the host
    confirmed (a site whose repository cannot be rendered any more is False)."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        site = await repository.for_host(session, site_id)
        if site is None:
            return None
        script, server_id = render(site), site.server_id
    if script is None:
        await host.record(sessions, server_id, description, "The site has no repository.", failed=True)
        return False
    try:
        await host.run(
            sessions, server_id, script, description=description, user_id=ctx.user_id, time_limit=GIT_SECONDS
        )
    except host.HostActionFailed:
        return False
    return True


async def _settle(site_id: int, confirmed: bool | None) -> None:
    """`repository_status` after an install or update: installed when the host confirmed."""
    if confirmed is None:
        return
    async with get_sessionmaker()() as session:
        site = await repository.for_host(session, site_id)
        if site is not None and site.repository_status != REMOVING:
            site.repository_status = INSTALLED if confirmed else FAILED
            await session.commit()


def _install_script(composer: bool) -> Callable[[Site], Script | None]:
    def render(site: Site) -> Script | None:
        repo = repository_of(site)
        return render_install(spec_of(site, site.server), repo, composer=composer) if repo else None

    return render


def _update_script(site: Site) -> Script | None:
    repo = repository_of(site)
    return render_update(spec_of(site, site.server), repo) if repo else None


@job("sites.git.install", timeout=GIT_SECONDS + 120, max_attempts=2)
async def install(ctx: JobContext, site_id: int, composer: bool) -> None:
    confirmed = await _apply(
        ctx, site_id, _install_script(composer), f"Installing the repository of site {site_id}"
    )
    await _settle(site_id, confirmed)


@job("sites.git.update", timeout=GIT_SECONDS + 120, max_attempts=2)
async def update(ctx: JobContext, site_id: int) -> None:
    confirmed = await _apply(ctx, site_id, _update_script, f"Updating the repository of site {site_id}")
    await _settle(site_id, confirmed)


@job("sites.git.remove", timeout=300, max_attempts=1)
async def remove(ctx: JobContext, site_id: int) -> None:
    """The repository goes from the host, then from the site (quick deploy goes with it); when
    the host does not confirm, `repository_status` is failed and DELETE may be asked again."""
    confirmed = await _apply(
        ctx,
        site_id,
        lambda site: render_remove(spec_of(site, site.server)),
        f"Removing the repository of site {site_id}",
    )
    if confirmed is None:
        return
    async with get_sessionmaker()() as session:
        site = await repository.for_host(session, site_id)
        if site is not None and confirmed:
            site.repository = site.repository_provider = site.repository_branch = None
            site.repository_status = None
            site.quick_deploy = False
        elif site is not None:
            site.repository_status = FAILED
        await session.commit()
    if not confirmed:
        raise JobFailed(
            f"Removing the repository of site {site_id} did not complete; see the server's events."
        )
