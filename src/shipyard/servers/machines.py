"""Machines at cloud providers: create one for a server (then provision it), and delete it.

Creating: the provider creates the machine with Shipyard's public key as root's login; its id
is stored at once (so that deleting the server deletes it even if what follows fails); Shipyard
polls until it has a public IPv4 address, waits until root logs in over SSH with its key, then
queues the same provisioning job as a custom server. Each step ends in a server event; a step
that fails leaves the server `failed` with the provider's reason. Deleting the server deletes
the machine first; a refusal keeps the server (`failed`, with an event) so that it can be retried.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Any, TypeVar

from shipyard.account import service as account
from shipyard.core.actor import Actor
from shipyard.core.db import get_sessionmaker
from shipyard.core.settings import get_settings
from shipyard.hostops.server import render_facts
from shipyard.jobs import service as jobs
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.providers.base import Driver, MachineSpec, ProviderError
from shipyard.providers.registry import LABELS, driver
from shipyard.servers import host
from shipyard.servers.identity import identity
from shipyard.servers.models import Server, ServerStatus
from shipyard.servers.schemas import DEFAULT_UBUNTU_VERSION
from shipyard.servers.service import resource_key

T = TypeVar("T")
SSH_ATTEMPT_SECONDS = 20
STILL_THERE = " The machine still exists at {label}: delete this server to delete it there."
RETRY_DELETE = " The server stays in Shipyard: delete it again to retry."


class _Stop(Exception):
    """A step failed; its event is recorded and the server is marked failed."""


async def _update(server_id: int, **values: Any) -> None:
    async with get_sessionmaker()() as session:
        server = await session.get(Server, server_id)
        if server is not None:
            for name, value in values.items():
                setattr(server, name, value)
            await session.commit()


async def _fail(server_id: int, description: str, message: str) -> _Stop:
    """Record the failed step as an event, mark the server failed; the caller raises what it returns."""
    await host.record(get_sessionmaker(), server_id, description, message, failed=True)
    await _update(server_id, status=ServerStatus.FAILED)
    return _Stop(message)


def _masked(message: str, secret: dict[str, str]) -> str:
    """Belt and braces: a provider's message never echoes the credential into an event."""
    for value in secret.values():
        if value:
            message = message.replace(value, "***")
    return message


async def _attempt(
    server_id: int, description: str, secret: dict[str, str], action: Awaitable[T], hint: str = ""
) -> T:
    try:
        return await action
    except ProviderError as exc:
        raise await _fail(server_id, description, _masked(str(exc), secret) + hint) from exc


async def _driver_for(server: Server, description: str, hint: str = "") -> tuple[Driver, dict[str, str]]:
    """The server's driver with its credential's secret; a deleted credential fails the step."""
    secret = None
    if server.credential_id is not None:
        async with get_sessionmaker()() as session:
            secret = await account.credential_secret(session, server.credential_id)
    if secret is None:
        raise await _fail(
            server.id,
            description,
            f"The {LABELS[server.provider]} credential of this server was deleted." + hint,
        )
    return driver(server.provider, secret, region=server.region or ""), secret


async def _await_ssh(ctx: JobContext, server_id: int, address: str, hint: str) -> None:
    """Poll quietly until root logs in with Shipyard's key (the machine may still be booting)."""
    settings = get_settings()
    description = "Waiting for SSH"
    deadline = time.monotonic() + settings.machine_ssh_timeout
    while True:
        try:
            await host.run(
                get_sessionmaker(),
                server_id,
                render_facts(),
                description=description,
                user_id=ctx.user_id,
                time_limit=SSH_ATTEMPT_SECONDS,
                record_event=False,
            )
        except host.HostActionFailed as exc:
            if time.monotonic() < deadline:
                await asyncio.sleep(settings.machine_poll_seconds)
                continue
            raise await _fail(
                server_id,
                description,
                f"root@{address} did not accept Shipyard's SSH key within "
                f"{settings.machine_ssh_timeout:g}s: {exc}{hint}",
            ) from exc
        await host.record(
            get_sessionmaker(),
            server_id,
            description,
            f"root@{address} accepts Shipyard's SSH key.",
            failed=False,
        )
        return


@job("servers.create_machine", timeout=3600, max_attempts=1, idempotent=False)
async def create_machine(ctx: JobContext, server_id: int, disk_size: int | None = None) -> dict[str, Any]:
    """Create the server's machine at its provider, wait for its address and SSH, then provision it."""
    settings = get_settings()
    sessions = get_sessionmaker()
    async with sessions() as session:
        server = await session.get(Server, server_id)
        if server is None or server.status == ServerStatus.REMOVING:
            return {"status": "skipped"}
        region = server.region or ""
        size = (
            await account.size_slug(session, server.provider, region, server.size or "") or server.size or ""
        )
    label = LABELS[server.provider]
    hint = STILL_THERE.format(label=label)
    creating = f"Creating machine at {label}"
    version = server.ubuntu_version or DEFAULT_UBUNTU_VERSION
    try:
        provider, secret = await _driver_for(server, creating)
        spec = MachineSpec(
            name=server.name,
            region=region,
            size=size,
            ubuntu_version=version,
            public_key=(await identity(sessions)).public_openssh,
            disk_size=disk_size,
        )
        machine = await _attempt(server_id, creating, secret, provider.create_machine(spec))
        await _update(server_id, provider_id=machine.id)
        await host.record(
            sessions,
            server_id,
            creating,
            f"{label} created machine {machine.id} ({size} in {region}, Ubuntu {version}).",
            failed=False,
        )
        waiting = "Waiting for the machine's address"
        machine = await _attempt(
            server_id,
            waiting,
            secret,
            provider.wait_for_address(
                machine.id, within=settings.machine_address_timeout, every=settings.machine_poll_seconds
            ),
            hint,
        )
        address = machine.public_ipv4 or ""
        await _update(server_id, ip_address=address, private_ip_address=machine.private_ipv4)
        private = f" (private {machine.private_ipv4})" if machine.private_ipv4 else ""
        await host.record(
            sessions, server_id, waiting, f"Public IPv4 address {address}{private}.", failed=False
        )
        await _await_ssh(ctx, server_id, address, hint)
    except _Stop as stop:
        return {"status": "failed", "reason": str(stop)}
    async with sessions() as session:
        jobs.enqueue(
            session,
            "servers.provision",
            {"server_id": server_id},
            resource_key=resource_key(server_id),
            actor=Actor(user_id=ctx.user_id),
        )
        await session.commit()
    return {"status": "created", "machine": machine.id, "ip_address": address}


@job("servers.delete_machine", timeout=600, max_attempts=3)
async def delete_machine(ctx: JobContext, server_id: int) -> dict[str, Any]:
    """Delete the server's machine at its provider, then forget the server (a refusal keeps it)."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        server = await session.get(Server, server_id)
    if server is None:
        return {"status": "gone"}
    label = LABELS[server.provider]
    if server.provider_id:
        description = f"Deleting machine at {label}"
        try:
            provider, secret = await _driver_for(
                server,
                description,
                f" Shipyard cannot delete machine {server.provider_id} there: delete it at {label} yourself.",
            )
            await _attempt(
                server_id, description, secret, provider.delete_machine(server.provider_id), RETRY_DELETE
            )
        except _Stop as stop:
            return {"status": "failed", "reason": str(stop)}
    await host.disconnect(sessions, server_id)
    async with sessions() as session:
        doomed = await session.get(Server, server_id)
        if doomed is not None:
            await session.delete(doomed)
            await session.commit()
    return {"status": "deleted", "machine": server.provider_id}
