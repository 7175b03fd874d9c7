"""Long server actions, run by the job engine: provisioning, settings, reboot, revoke."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from shipyard.core.db import get_sessionmaker
from shipyard.hostops import packages
from shipyard.hostops.server import (
    ProvisionSpec,
    parse_os_release,
    render_facts,
    render_provision,
    render_reboot,
    render_revoke,
    render_settings,
)
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import host, repository
from shipyard.servers.identity import identity
from shipyard.servers.models import ServerStatus
from shipyard.servers.php import repository as php_repository
from shipyard.servers.php import service as php_service

REBOOT_WAIT_SECONDS = 300


async def _set(server_id: int, **values: Any) -> None:
    async with get_sessionmaker()() as session:
        server = await repository.with_secrets(session, server_id)
        if server is not None:
            for name, value in values.items():
                setattr(server, name, value)
            await session.commit()


@job("servers.provision", timeout=1800, max_attempts=1)
async def provision(ctx: JobContext, server_id: int) -> dict[str, Any]:
    """Facts, then the package mapping, then the provisioning script; `is_ready` only on success."""
    sessions = get_sessionmaker()
    try:
        facts = await host.run(
            sessions,
            server_id,
            render_facts(),
            description="Gathering facts",
            user_id=ctx.user_id,
            time_limit=60,
        )
        os_key = packages.distribution_key(parse_os_release(facts.output))
        async with sessions() as session:
            server = await repository.with_secrets(session, server_id)
            assert server is not None
            try:
                dist = packages.distribution(os_key)
                forge_php = server.php_version or next(iter(dist.php))
                php = packages.php_version(dist, forge_php)
                database = packages.database(dist, server.database_type) if server.database_type else None
            except packages.Unavailable as exc:
                await host.record(sessions, server_id, "Provisioning server", str(exc), failed=True)
                server.status, server.os = ServerStatus.FAILED, os_key
                await session.commit()
                return {"status": "failed", "reason": str(exc)}
            spec = ProvisionSpec(
                user=server.ssh_user,
                sudo_password=server.sudo_password,
                database_password=server.database_password,
                database_name=server.database_name,
                php_version=php,
                database=database,
                timezone=server.timezone,
                authorized_keys=((await identity(sessions)).public_openssh,),
                max_upload_size_mb=server.max_upload_size,
                max_execution_time=server.max_execution_time,
            )
        await host.run(
            sessions,
            server_id,
            render_provision(spec),
            description="Provisioning server",
            user_id=ctx.user_id,
            time_limit=1500,
        )
    except host.HostActionFailed as exc:
        await _set(server_id, status=ServerStatus.FAILED)
        return {"status": "failed", "reason": str(exc)}
    except BaseException:
        # A bug or a cancel: the job's log has the reason; the server must not look busy forever.
        await _set(server_id, status=ServerStatus.FAILED)
        raise
    # Shipyard's own key is in: forget the root login we were given.
    await _set(
        server_id,
        is_ready=True,
        status=ServerStatus.INSTALLED,
        os=os_key,
        php_version=forge_php,
        php_cli_version=forge_php,
        bootstrap_login=None,
    )
    async with sessions() as session:
        if await php_repository.find(session, server_id, forge_php) is None:
            php_service.record_provisioned(session, server_id, forge_php)
            await session.commit()
    return {"status": "installed", "os": os_key}


@job("servers.apply_settings", timeout=600, max_attempts=3)
async def apply_settings(ctx: JobContext, server_id: int) -> None:
    sessions = get_sessionmaker()
    async with sessions() as session:
        server = await repository.with_secrets(session, server_id)
        if server is None or not server.is_ready:
            return
        dist = packages.distribution(server.os or "")
        script = render_settings(
            packages.php_version(dist, server.php_version),
            server.timezone,
            server.max_upload_size,
            server.max_execution_time,
        )
    await host.run(sessions, server_id, script, description="Updating server settings", user_id=ctx.user_id)


@job("servers.reboot", timeout=REBOOT_WAIT_SECONDS + 60, idempotent=False)
async def reboot(ctx: JobContext, server_id: int) -> dict[str, Any]:
    """Reboot, then wait until SSH answers again (a new connection is made on the next action)."""
    sessions = get_sessionmaker()
    await host.run(sessions, server_id, render_reboot(), description="Rebooting server", user_id=ctx.user_id)
    await asyncio.sleep(3)
    deadline = time.monotonic() + REBOOT_WAIT_SECONDS
    while True:  # poll quietly; one event tells the outcome
        try:
            await host.run(
                sessions,
                server_id,
                render_facts(),
                description="Reconnecting after reboot",
                user_id=ctx.user_id,
                time_limit=20,
                record_event=False,
            )
        except host.HostActionFailed as exc:
            if time.monotonic() > deadline:
                await host.record(
                    sessions,
                    server_id,
                    "Reconnecting after reboot",
                    f"The server did not answer within {REBOOT_WAIT_SECONDS}s: {exc}",
                    failed=True,
                )
                raise
            await asyncio.sleep(2)
            continue
        await host.record(
            sessions, server_id, "Reconnecting after reboot", "The server is back.", failed=False
        )
        return {"status": "back"}


@job("servers.revoke", timeout=120, idempotent=False)
async def revoke(ctx: JobContext, server_id: int) -> None:
    sessions = get_sessionmaker()
    public_key = (await identity(sessions)).public_openssh
    await host.run(
        sessions,
        server_id,
        render_revoke(public_key),
        description="Revoking Shipyard's access",
        user_id=ctx.user_id,
    )
    await _set(server_id, revoked=True)
    await host.disconnect(sessions, server_id)
