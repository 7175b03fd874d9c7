"""The life of a server resource on its host, shared by daemons, firewall rules, keys, cron jobs...

A resource row is created `installing`; its install job runs a rendered script on the host and
sets `installed` only when the host confirmed, else `failed` (the output stays in the event).
Deleting marks the row `removing`; the remove job takes it off the host, then deletes the row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.core.actor import Actor
from shipyard.core.db import get_sessionmaker
from shipyard.core.script import Script
from shipyard.jobs import service as jobs
from shipyard.jobs.context import JobContext
from shipyard.servers import host
from shipyard.servers.service import resource_key

INSTALLING, INSTALLED, FAILED, REMOVING = "installing", "installed", "failed", "removing"


class Resource(Protocol):
    id: int
    server_id: int
    status: str


R = TypeVar("R", bound=Resource)
Loader = Callable[[AsyncSession, int], Awaitable[R | None]]


def enqueue(session: AsyncSession, job_name: str, resource: Resource, *, actor: Actor) -> None:
    """Queue `job_name` for the resource, in line with every other change on its server."""
    jobs.enqueue(
        session,
        job_name,
        {"resource_id": resource.id},
        resource_key=resource_key(resource.server_id),
        actor=actor,
    )


def mark_removing(session: AsyncSession, job_name: str, resource: Resource, *, actor: Actor) -> None:
    resource.status = REMOVING
    enqueue(session, job_name, resource, actor=actor)


async def _run(
    ctx: JobContext, load: Loader[R], resource_id: int, render: Callable[[R], Script], description: str
) -> bool | None:
    """Render the resource's script and run it on its server: None when the resource is gone,
    else whether the host confirmed (an unreachable host or a failed script is False)."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        resource = await load(session, resource_id)
        if resource is None:
            return None
        script, server_id = render(resource), resource.server_id
    try:
        await host.run(sessions, server_id, script, description=description, user_id=ctx.user_id)
    except host.HostActionFailed:
        return False
    return True


async def install(
    ctx: JobContext, load: Loader[R], resource_id: int, render: Callable[[R], Script], description: str
) -> bool | None:
    """Apply the resource on its host and record the outcome in its status; returns whether the
    host confirmed (None when the resource is gone)."""
    confirmed = await _run(ctx, load, resource_id, render, description)
    if confirmed is None:
        return None
    async with get_sessionmaker()() as session:
        resource = await load(session, resource_id)
        if resource is not None and resource.status != REMOVING:
            resource.status = INSTALLED if confirmed else FAILED
            await session.commit()
    return confirmed


async def remove(
    ctx: JobContext, load: Loader[R], resource_id: int, render: Callable[[R], Script], description: str
) -> None:
    """Take the resource off its host, then forget it (a failure leaves it `removing`; the job retries)."""
    confirmed = await _run(ctx, load, resource_id, render, description)
    if confirmed is None:
        return
    if not confirmed:
        raise RuntimeError(f"{description} did not complete on the host; see the server's events.")
    async with get_sessionmaker()() as session:
        resource = await load(session, resource_id)
        if resource is not None:
            await session.delete(resource)
            await session.commit()


async def act(
    ctx: JobContext, load: Loader[R], resource_id: int, render: Callable[[R], Script], description: str
) -> None:
    """Run a one-off action (a restart, say) for the resource; its status does not change."""
    if await _run(ctx, load, resource_id, render, description) is False:
        raise RuntimeError(f"{description} did not complete on the host; see the server's events.")
