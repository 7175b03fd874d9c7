"""Blackfire and Papertrail jobs: install or remove on the host, then record the outcome."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.core.db import get_sessionmaker
from shipyard.core.script import Script
from shipyard.core.settings import get_settings
from shipyard.hostops.agents import (
    BlackfireSpec,
    render_blackfire_install,
    render_blackfire_remove,
    render_papertrail_install,
    render_papertrail_remove,
)
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import host
from shipyard.servers.agents import repository
from shipyard.servers.agents.service import (
    FAILED,
    INSTALLED,
    INSTALLING,
    REMOVING,
    Agent,
    papertrail_destination,
    set_status,
    status_of,
)
from shipyard.servers.models import Server


async def _run(ctx: JobContext, server_id: int, script: Script, description: str) -> bool:
    """Whether the host confirmed (an unreachable host or a failed script is False)."""
    try:
        await host.run(get_sessionmaker(), server_id, script, description=description, user_id=ctx.user_id)
    except host.HostActionFailed:
        return False
    return True


async def _finish(
    server_id: int, agent: Agent, expected: str, status: str | None, forget: Callable[[Server], None]
) -> None:
    """Record `status` unless another request changed the server's status meanwhile;
    `forget` clears what was stored for the agent when it is gone."""
    async with get_sessionmaker()() as session:
        server = await repository.server(session, server_id)
        if server is None or status_of(server, agent) != expected:
            return
        set_status(server, agent, status)
        if status is None:
            forget(server)
        await session.commit()


async def _pending(session: AsyncSession, server_id: int, agent: Agent, expected: str) -> Server | None:
    """The server, if the request that queued this job is still the latest word on `agent`."""
    if agent == "blackfire" and expected == INSTALLING:
        server = await repository.server_with_blackfire_token(session, server_id)
    else:
        server = await repository.server(session, server_id)
    if server is None or status_of(server, agent) != expected:
        return None
    return server


def _forget_blackfire(server: Server) -> None:
    server.blackfire_server_id = None
    server.blackfire_server_token = None


def _forget_papertrail(server: Server) -> None:
    server.papertrail_host = None


@job("blackfire.install", timeout=900, max_attempts=2)
async def install_blackfire(ctx: JobContext, server_id: int) -> None:
    settings = get_settings()
    async with get_sessionmaker()() as session:
        server = await _pending(session, server_id, "blackfire", INSTALLING)
        if server is None or not server.blackfire_server_id or not server.blackfire_server_token:
            return
        spec = BlackfireSpec(
            server.blackfire_server_id,
            server.blackfire_server_token,
            settings.blackfire_apt_url,
            settings.blackfire_apt_key_url,
        )
    confirmed = await _run(ctx, server_id, render_blackfire_install(spec), "Installing Blackfire")
    await _finish(server_id, "blackfire", INSTALLING, INSTALLED if confirmed else FAILED, _forget_blackfire)


@job("blackfire.remove", timeout=600, max_attempts=2)
async def remove_blackfire(ctx: JobContext, server_id: int) -> None:
    async with get_sessionmaker()() as session:
        if await _pending(session, server_id, "blackfire", REMOVING) is None:
            return
    confirmed = await _run(ctx, server_id, render_blackfire_remove(), "Removing Blackfire")
    await _finish(server_id, "blackfire", REMOVING, None if confirmed else FAILED, _forget_blackfire)


@job("papertrail.install", timeout=600, max_attempts=2)
async def install_papertrail(ctx: JobContext, server_id: int) -> None:
    async with get_sessionmaker()() as session:
        server = await _pending(session, server_id, "papertrail", INSTALLING)
        if server is None or not server.papertrail_host:
            return
        destination = server.papertrail_host
    script = render_papertrail_install(*papertrail_destination(destination))
    confirmed = await _run(ctx, server_id, script, f"Installing Papertrail ({destination})")
    await _finish(server_id, "papertrail", INSTALLING, INSTALLED if confirmed else FAILED, _forget_papertrail)


@job("papertrail.remove", timeout=300, max_attempts=2)
async def remove_papertrail(ctx: JobContext, server_id: int) -> None:
    async with get_sessionmaker()() as session:
        if await _pending(session, server_id, "papertrail", REMOVING) is None:
            return
    confirmed = await _run(ctx, server_id, render_papertrail_remove(), "Removing Papertrail")
    await _finish(server_id, "papertrail", REMOVING, None if confirmed else FAILED, _forget_papertrail)
