"""Application jobs: install WordPress or phpMyAdmin into a site, or take it out again."""

from __future__ import annotations

import secrets

from shipyard.core.db import get_sessionmaker
from shipyard.core.script import Script
from shipyard.hostops.apps import render_app_install, render_app_uninstall
from shipyard.hostops.databases import UserSpec, render_apply_user
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import host
from shipyard.servers.databases import repository as database_rows
from shipyard.sites import repository
from shipyard.sites.apps.service import FAILED, INSTALLED
from shipyard.sites.service import spec_of


async def _finish(site_id: int, app: str | None, status: str | None) -> None:
    async with get_sessionmaker()() as session:
        site = await repository.for_host(session, site_id)
        if site is not None:
            site.app, site.app_status = app, status
            await session.commit()


@job("apps.install", timeout=900, max_attempts=1)
async def install(ctx: JobContext, site_id: int, database_id: int, user_id: int) -> None:
    """Give the database user a new password (the application's configuration is the only place
    that keeps it), then install the application with it; `app_status` says how it went."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        site = await repository.for_host(session, site_id)
        database = await database_rows.for_host(session, database_id)
        db_user = await database_rows.user_for_host(session, user_id)
        if site is None or site.app is None:
            return
        app = site.app
        if database is None or db_user is None:
            await _finish(site_id, app, FAILED)
            return
        password = secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")
        scripts: list[tuple[Script, str]] = [
            (
                render_apply_user(
                    UserSpec("mysql", db_user.name, tuple(d.name for d in db_user.databases), password)
                ),
                f"Setting a new password of database user {db_user.id} for {app} on site {site_id}",
            ),
            (
                render_app_install(
                    spec_of(site, site.server),
                    app,
                    database=database.name,
                    user=db_user.name,
                    password=password,
                ),
                f"Installing {app} on site {site_id}",
            ),
        ]
        server_id = site.server_id
    status = INSTALLED
    try:
        for script, description in scripts:
            await host.run(sessions, server_id, script, description=description, user_id=ctx.user_id)
    except host.HostActionFailed:
        status = FAILED
    await _finish(site_id, app, status)


@job("apps.uninstall", timeout=300, max_attempts=2)
async def uninstall(ctx: JobContext, site_id: int) -> None:
    """Empty the web directory and put the placeholder page back; the site has no app afterwards."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        site = await repository.for_host(session, site_id)
        if site is None or site.app is None:
            return
        app, script, server_id = (
            site.app,
            render_app_uninstall(spec_of(site, site.server), site.app),
            site.server_id,
        )
    try:
        await host.run(
            sessions,
            server_id,
            script,
            description=f"Uninstalling {app} from site {site_id}",
            user_id=ctx.user_id,
        )
    except host.HostActionFailed:
        await _finish(site_id, app, FAILED)
        raise
    await _finish(site_id, None, None)
