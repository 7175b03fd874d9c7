"""PHP jobs: install a version, upgrade its patch release, switch OPcache."""

from __future__ import annotations

from shipyard.core.db import get_sessionmaker
from shipyard.hostops import packages
from shipyard.hostops.php import render_install, render_opcache, render_update
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import host
from shipyard.servers import repository as servers_repository
from shipyard.servers.php import repository


async def _distribution_php(server_id: int, version: str) -> str:
    async with get_sessionmaker()() as session:
        server = await servers_repository.with_secrets(session, server_id)
        assert server is not None
        return packages.php_version(packages.distribution(server.os or ""), version)


@job("php.install", timeout=900, max_attempts=2)
async def install(ctx: JobContext, php_id: int) -> None:
    sessions = get_sessionmaker()
    async with sessions() as session:
        php = await repository.by_id(session, php_id)
        if php is None:
            return
        server_id, version = php.server_id, php.version
    try:
        await host.run(
            sessions,
            server_id,
            render_install(await _distribution_php(server_id, version)),
            description=f"Installing {version}",
            user_id=ctx.user_id,
            time_limit=800,
        )
        status = "installed"
    except host.HostActionFailed:
        status = "failed"
    async with sessions() as session:
        php = await repository.by_id(session, php_id)
        if php is not None:
            php.status = status
            await session.commit()


@job("php.update", timeout=900, idempotent=False)
async def update(ctx: JobContext, server_id: int, version: str) -> None:
    await host.run(
        get_sessionmaker(),
        server_id,
        render_update(await _distribution_php(server_id, version)),
        description=f"Upgrading {version}",
        user_id=ctx.user_id,
        time_limit=800,
    )


@job("php.opcache", timeout=300, max_attempts=2)
async def opcache(ctx: JobContext, server_id: int, enabled: bool) -> None:
    sessions = get_sessionmaker()
    async with sessions() as session:
        server = await servers_repository.with_secrets(session, server_id)
        if server is None:
            return
        php = packages.php_version(packages.distribution(server.os or ""), server.php_version)
    await host.run(
        sessions,
        server_id,
        render_opcache(php, enabled),
        description=f"{'Enabling' if enabled else 'Disabling'} OPcache",
        user_id=ctx.user_id,
    )
    async with sessions() as session:
        server = await servers_repository.with_secrets(session, server_id)
        if server is not None:
            server.opcache_status = "enabled" if enabled else "disabled"
            await session.commit()
