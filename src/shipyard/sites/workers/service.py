"""Worker rules: validation, ownership through the site, and the jobs that apply them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.hostops.daemons import program_name, render_log
from shipyard.hostops.sites import site_root
from shipyard.hostops.workers import ENVIRONMENT, QUEUE_LIST, QUEUE_NAME, WorkerSpec
from shipyard.servers import resources
from shipyard.servers import service as servers
from shipyard.servers.models import Server
from shipyard.sites import service as sites
from shipyard.sites.models import Site
from shipyard.sites.workers import repository
from shipyard.sites.workers.models import Worker
from shipyard.sites.workers.schemas import WorkerCreate

DEFAULT_CLI = "php"


def php_binary(php_version: str, server: Server) -> str:
    """The PHP a worker runs: `php` (the server's CLI default) or `php8.2` for Forge's `php82`."""
    if php_version == DEFAULT_CLI:
        return DEFAULT_CLI
    return "php" + sites.distribution_php(server, php_version)


def spec(worker: Worker, site: Site, server: Server) -> WorkerSpec:
    """What the host runs for the worker, in the site's root as it is on the host."""
    return WorkerSpec(
        id=worker.id,
        user=site.username,
        root=site_root(site.username, sites.host_domain(site)),
        php=php_binary(worker.php_version, server),
        connection=worker.connection,
        queue=worker.queue,
        sleep=worker.sleep,
        timeout=worker.timeout,
        tries=worker.tries,
        processes=worker.processes,
        stopwaitsecs=worker.stopwaitsecs,
        daemon=worker.daemon,
        force=worker.force,
        environment=worker.environment,
    )


def require_changeable(site: Site, server: Server) -> None:
    """A change of what the site runs needs a ready server and a site that stays."""
    servers.require_ready(server)
    if site.status == resources.REMOVING:
        raise servers.ActionFailed("The site is being removed.")


async def site_of(
    session: AsyncSession, user: User, server_id: int, site_id: int, *, changing: bool
) -> tuple[Site, Server]:
    """The user's site and its server (`require_changeable` when `changing`)."""
    site = await sites.get(session, user, server_id, site_id)
    server = await servers.get(session, user, server_id)
    if changing:
        require_changeable(site, server)
    return site, server


async def create(
    session: AsyncSession, user: User, server_id: int, site_id: int, body: WorkerCreate, *, actor: Actor
) -> tuple[Worker, Site, Server]:
    """The worker, `installing`, and the job that puts its program on the host."""
    site, server = await site_of(session, user, server_id, site_id, changing=False)
    errors, add = sites.collector()
    if not QUEUE_NAME.match(body.connection):
        add("connection", "The connection must be a name of letters, digits and _ . : - (at most 64).")
    queue = (body.queue or "").replace(" ", "") or None
    if queue is not None and not QUEUE_LIST.match(queue):
        add("queue", "The queue must be comma-separated names of letters, digits and _ . : - (at most 16).")
    if body.environment is not None and not ENVIRONMENT.match(body.environment):
        add("environment", "The environment must be a name of letters, digits and _ . - (at most 64).")
    php_version = body.php_version or site.php_version
    if php_version != DEFAULT_CLI:
        php_version = await sites.installed_php(session, user, server, php_version, "php_version", add)
    if errors:
        raise ValidationFailed(errors)
    require_changeable(site, server)
    worker = Worker(
        server_id=server.id,
        site_id=site.id,
        connection=body.connection,
        queue=queue,
        timeout=body.timeout,
        sleep=body.sleep,
        tries=body.tries,
        processes=body.processes,
        stopwaitsecs=body.stopwaitsecs,
        environment=body.environment,
        php_version=php_version,
        daemon=body.daemon,
        force=body.force,
    )
    session.add(worker)
    await session.flush()
    resources.enqueue(session, "workers.install", worker, actor=actor)
    return worker, site, server


async def page(
    session: AsyncSession, user: User, server_id: int, site_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Worker], int, Site, Server]:
    site, server = await site_of(session, user, server_id, site_id, changing=False)
    rows, total = await repository.of_site(session, site.id, offset=offset, limit=limit)
    return rows, total, site, server


async def get(
    session: AsyncSession, user: User, server_id: int, site_id: int, worker_id: int, *, changing: bool = False
) -> tuple[Worker, Site, Server]:
    site, server = await site_of(session, user, server_id, site_id, changing=changing)
    worker = await repository.one(session, site.id, worker_id)
    if worker is None:
        raise NotFound("worker")
    return worker, site, server


async def restart(
    session: AsyncSession, user: User, server_id: int, site_id: int, worker_id: int, *, actor: Actor
) -> tuple[Worker, Site, Server]:
    """Queue a restart of all the worker's processes."""
    found = await get(session, user, server_id, site_id, worker_id, changing=True)
    resources.enqueue(session, "workers.restart", found[0], actor=actor)
    return found


async def delete(
    session: AsyncSession, user: User, server_id: int, site_id: int, worker_id: int, *, actor: Actor
) -> None:
    """Marks the worker `removing`; the job stops it on the host and then deletes the row."""
    worker, _, _ = await get(session, user, server_id, site_id, worker_id, changing=True)
    if worker.status != resources.REMOVING:
        resources.mark_removing(session, "workers.remove", worker, actor=actor)


async def output(session: AsyncSession, user: User, server_id: int, site_id: int, worker_id: int) -> str:
    """The end of the worker's log on the host (what its processes printed)."""
    worker, _, server = await get(session, user, server_id, site_id, worker_id)
    servers.require_ready(server)
    description = f"Reading the output of worker {worker.id}"
    result = await sites.run_on_host(
        session, user, server, render_log(program_name("worker", worker.id)), description, record=False
    )
    if not result.ok:
        raise sites.host_failure(description, result)
    return result.output
