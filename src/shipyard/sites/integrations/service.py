"""Integration rules: each integration is a server daemon or scheduled job owned by the site (so the
server's daemon and job lists show it, as Forge's do), or maintenance mode on the host.

`*_installed` and maintenance mode are read from the host on every GET: the app's composer.lock
and its `storage/framework/down` file.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import ValidationFailed
from shipyard.hostops.laravel import (
    FRAMEWORK,
    MAINTENANCE_SECRET,
    OCTANE_SERVERS,
    PACKAGES,
    REVERB_HOST,
    daemon_command,
    render_state,
    state_of,
)
from shipyard.hostops.sites import site_root
from shipyard.jobs import service as jobs
from shipyard.servers import resources
from shipyard.servers import service as servers
from shipyard.servers.cron.models import ScheduledJob
from shipyard.servers.daemons.models import Daemon
from shipyard.servers.models import Server
from shipyard.sites import service as sites
from shipyard.sites.integrations import repository
from shipyard.sites.integrations.models import Integration
from shipyard.sites.integrations.schemas import DaemonCreate, MaintenanceCreate
from shipyard.sites.models import Site
from shipyard.sites.workers.service import site_of

SCHEDULER = "laravel-scheduler"
MAINTENANCE = "laravel-maintenance"
ENABLING, DISABLING = "enabling", "disabling"
STOP_SIGNALS = {"inertia": "SIGQUIT"}


def php_of(site: Site, server: Server) -> str:
    """The site's PHP CLI, e.g. `php8.2`."""
    return "php" + sites.distribution_php(server, site.php_version)


def root_of(site: Site) -> str:
    """The site root as it is on the host (where `artisan` is)."""
    return site_root(site.username, sites.host_domain(site))


async def app_state(
    session: AsyncSession, user: User, site: Site, server: Server
) -> tuple[frozenset[str], bool]:
    """The packages of the app's composer.lock and whether the app is down, read from the host now."""
    servers.require_ready(server)
    description = f"Reading the Laravel application of site {site.id}"
    result = await sites.run_on_host(
        session,
        user,
        server,
        render_state(site.username, root_of(site), php_of(site, server)),
        description,
        record=False,
    )
    if not result.ok:
        raise sites.host_failure(description, result)
    return state_of(result)


async def _daemon_of(session: AsyncSession, integration: Integration | None) -> Daemon | None:
    if integration is None or integration.daemon_id is None:
        return None
    return await session.get(Daemon, integration.daemon_id, populate_existing=True)


async def daemon_status(
    session: AsyncSession, user: User, server_id: int, site_id: int, kind: str
) -> tuple[Daemon | None, dict[str, Any], bool]:
    """The integration's daemon (None when off), its settings, and whether the app has the package."""
    site, server = await site_of(session, user, server_id, site_id, changing=False)
    integration = await repository.of_kind(session, site.id, kind)
    daemon = await _daemon_of(session, integration)
    packages, _ = await app_state(session, user, site, server)
    installed = PACKAGES[kind] in packages
    if integration is None or daemon is None or daemon.status == resources.REMOVING:
        return None, {}, installed
    return daemon, dict(integration.settings), installed


def _settings(kind: str, site: Site, body: DaemonCreate) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The settings `kind` takes from the body, with Forge's defaults, and the errors in them."""
    errors: dict[str, list[str]] = {}
    if kind == "octane":
        server = body.server or "swoole"
        if server not in OCTANE_SERVERS:
            errors["server"] = [f"The server must be one of: {', '.join(OCTANE_SERVERS)}."]
        return {"port": body.port or 8000, "server": server}, errors
    if kind == "reverb":
        host = (body.host or f"ws.{site.name}").lower()
        if not REVERB_HOST.match(host):
            errors["host"] = ["The host must be a host name: letters, digits, '-' and dots."]
        return {"port": body.port or 8080, "host": host, "connections": body.connections or 1000}, errors
    if kind == "inertia":
        return {"deploys_restart_inertia_daemon": bool(body.deploys_restart_inertia_daemon)}, errors
    return {}, errors


async def enable_daemon(
    session: AsyncSession,
    user: User,
    server_id: int,
    site_id: int,
    kind: str,
    body: DaemonCreate,
    *,
    actor: Actor,
) -> tuple[Daemon, dict[str, Any]]:
    """Create the integration's daemon (or update the one it has), run by supervisor in the site root."""
    site = await sites.get(session, user, server_id, site_id)
    settings, errors = _settings(kind, site, body)
    if errors:
        raise ValidationFailed(errors)
    site, server = await site_of(session, user, server_id, site_id, changing=True)
    command = daemon_command(
        kind,
        php_of(site, server),
        port=settings.get("port"),
        server=settings.get("server"),
        host=settings.get("host"),
    )
    integration = await repository.of_kind(session, site.id, kind)
    daemon = await _daemon_of(session, integration)
    if daemon is not None and daemon.status == resources.REMOVING:
        raise servers.ActionFailed(f"The {kind} daemon is being removed; try again once it is gone.")
    if daemon is None:
        daemon = Daemon(server_id=server.id, user=site.username, processes=1, startsecs=1, stopwaitsecs=5)
        session.add(daemon)
    daemon.command, daemon.directory, daemon.user = command, root_of(site), site.username
    daemon.stopsignal, daemon.status = STOP_SIGNALS.get(kind, "SIGTERM"), resources.INSTALLING
    await session.flush()
    if integration is None:
        integration = Integration(site_id=site.id, kind=kind)
        session.add(integration)
    integration.daemon_id, integration.settings = daemon.id, settings
    await session.flush()
    resources.enqueue(session, "daemons.install", daemon, actor=actor)
    return daemon, settings


async def disable_daemon(
    session: AsyncSession, user: User, server_id: int, site_id: int, kind: str, *, actor: Actor
) -> None:
    """Remove the integration's daemon (the integration goes with it)."""
    site, _ = await site_of(session, user, server_id, site_id, changing=True)
    daemon = await _daemon_of(session, await repository.of_kind(session, site.id, kind))
    if daemon is not None and daemon.status != resources.REMOVING:
        resources.mark_removing(session, "daemons.remove", daemon, actor=actor)


async def _job_of(session: AsyncSession, integration: Integration | None) -> ScheduledJob | None:
    if integration is None or integration.job_id is None:
        return None
    return await session.get(ScheduledJob, integration.job_id, populate_existing=True)


async def scheduler_status(
    session: AsyncSession, user: User, server_id: int, site_id: int
) -> tuple[ScheduledJob | None, bool, Server]:
    """The scheduler's cron job (None when off), whether the app is Laravel, and the server."""
    site, server = await site_of(session, user, server_id, site_id, changing=False)
    job = await _job_of(session, await repository.of_kind(session, site.id, SCHEDULER))
    packages, _ = await app_state(session, user, site, server)
    if job is not None and job.status == resources.REMOVING:
        job = None
    return job, FRAMEWORK in packages, server


async def enable_scheduler(
    session: AsyncSession, user: User, server_id: int, site_id: int, *, actor: Actor
) -> tuple[ScheduledJob, Server]:
    """`* * * * * php8.2 <root>/artisan schedule:run` in the site user's crontab."""
    site, server = await site_of(session, user, server_id, site_id, changing=True)
    integration = await repository.of_kind(session, site.id, SCHEDULER)
    job = await _job_of(session, integration)
    if job is not None and job.status == resources.REMOVING:
        raise servers.ActionFailed("The scheduler is being removed; try again once it is gone.")
    if job is None:
        job = ScheduledJob(server_id=server.id, frequency="minutely", cron="* * * * *", user=site.username)
        session.add(job)
    job.command, job.user = f"{php_of(site, server)} {root_of(site)}/artisan schedule:run", site.username
    job.status = resources.INSTALLING
    await session.flush()
    if integration is None:
        integration = Integration(site_id=site.id, kind=SCHEDULER)
        session.add(integration)
    integration.job_id = job.id
    await session.flush()
    resources.enqueue(session, "cron.install", job, actor=actor)
    return job, server


async def disable_scheduler(
    session: AsyncSession, user: User, server_id: int, site_id: int, *, actor: Actor
) -> None:
    """Remove the scheduler's crontab line (the integration goes with its job)."""
    site, _ = await site_of(session, user, server_id, site_id, changing=True)
    job = await _job_of(session, await repository.of_kind(session, site.id, SCHEDULER))
    if job is not None and job.status != resources.REMOVING:
        resources.mark_removing(session, "cron.remove", job, actor=actor)


async def maintenance_status(
    session: AsyncSession, user: User, server_id: int, site_id: int
) -> tuple[bool, str | None, bool]:
    """Whether the app is down now, the queued change (enabling/disabling), and whether it is Laravel."""
    site, server = await site_of(session, user, server_id, site_id, changing=False)
    integration = await repository.of_kind(session, site.id, MAINTENANCE)
    packages, down = await app_state(session, user, site, server)
    return down, integration.status if integration else None, FRAMEWORK in packages


async def change_maintenance(
    session: AsyncSession,
    user: User,
    server_id: int,
    site_id: int,
    body: MaintenanceCreate | None,
    *,
    actor: Actor,
) -> str:
    """Queue `artisan down` (with a body) or `artisan up` (without); returns enabling or disabling."""
    if (
        body is not None
        and body.secret is not None
        and body.secret != ""
        and not MAINTENANCE_SECRET.match(body.secret)
    ):
        raise ValidationFailed({"secret": ["The secret must be letters, digits, '-' and '_' (at most 128)."]})
    site, server = await site_of(session, user, server_id, site_id, changing=True)
    integration = await repository.of_kind(session, site.id, MAINTENANCE)
    if integration is None:
        integration = Integration(site_id=site.id, kind=MAINTENANCE)
        session.add(integration)
    integration.status = ENABLING if body is not None else DISABLING
    integration.secret = (body.secret or None) if body is not None else None
    await session.flush()
    arguments: dict[str, Any] = {"integration_id": integration.id, "down": body is not None}
    if body is not None:
        arguments["status"] = body.status
    jobs.enqueue(
        session,
        "integrations.maintenance",
        arguments,
        resource_key=servers.resource_key(server.id),
        actor=actor,
    )
    return integration.status
