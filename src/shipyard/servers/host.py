"""Run a script on a server as a recorded event: the bridge between the servers domain and `remote`."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shipyard.core.script import HostResult, Script
from shipyard.remote.errors import RemoteError
from shipyard.remote.ssh import Endpoint, Login, Remote
from shipyard.servers import repository
from shipyard.servers.identity import identity
from shipyard.servers.models import Server, ServerEvent

FLUSH_SECONDS = 0.5
_remote = Remote()


class HostActionFailed(Exception):
    """The host could not be reached, or the script failed; the event holds the details."""

    def __init__(self, message: str, result: HostResult | None = None) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class Target:
    endpoint: Endpoint
    login: Login
    host_key: str | None


async def target(sessions: async_sessionmaker[AsyncSession], server: Server) -> Target:
    """How to reach `server` as root: its bootstrap login until Shipyard's key is in, then that key."""
    if not server.ip_address:
        raise HostActionFailed(f"Server {server.name} has no IP address yet.")
    endpoint = Endpoint(server.ip_address, server.ssh_port, "root")
    if server.bootstrap_login:
        data = json.loads(server.bootstrap_login)
        login = Login(private_key=data.get("private_key"), password=data.get("password"))
    else:
        login = Login(private_key=(await identity(sessions)).private_openssh)
    return Target(endpoint, login, server.host_key)


async def run(
    sessions: async_sessionmaker[AsyncSession],
    server_id: int,
    script: Script,
    *,
    description: str,
    user_id: int | None = None,
    run_as: str | None = None,
    time_limit: float = 300,
    check: bool = True,
    fresh_login: bool = False,
    record_event: bool = True,
    on_event: Callable[[int], Awaitable[None]] | None = None,
) -> HostResult:
    """Run `script` on the server, streaming its output into a new server event.

    `fresh_login` proves the login works now instead of reusing a pooled connection;
    `record_event=False` is for reads (a log tail, say) that change nothing and need no event;
    `on_event` is told the new event's id before the script starts (to follow its output).
    Raises HostActionFailed when the host is unreachable or (with `check`) the script fails.
    """
    async with sessions() as session:
        server = await repository.with_secrets(session, server_id)
        if server is None:
            raise HostActionFailed(f"Server {server_id} no longer exists.")
        event_id: int | None = None
        if record_event:
            event = ServerEvent(
                server_id=server_id, user_id=user_id, ran_as=run_as or "root", description=description
            )
            session.add(event)
            await session.commit()
            event_id = event.id
        reach = await target(sessions, server)
    if on_event is not None and event_id is not None:
        await on_event(event_id)
    if fresh_login:
        _remote.forget(reach.endpoint)

    buffer: list[str] = []
    last_flush = time.monotonic()
    writing = asyncio.Lock()  # one write at a time, in order
    later: asyncio.Task[None] | None = None

    async def flush() -> None:
        nonlocal last_flush
        async with writing:
            if buffer and event_id is not None:
                text = "".join(line + "\n" for line in buffer)
                buffer.clear()
                async with sessions() as session:
                    await repository.append_output(session, event_id, text)
                    await session.commit()
            last_flush = time.monotonic()

    async def flush_later(delay: float) -> None:
        await asyncio.sleep(delay)
        await flush()

    async def on_output(line: str) -> None:
        """Lines are written at most every FLUSH_SECONDS, and a line followed by silence (a
        script that waits) is written after FLUSH_SECONDS too, not only with the next line."""
        nonlocal later
        if event_id is None:
            return
        buffer.append(line)
        waited = time.monotonic() - last_flush
        if waited >= FLUSH_SECONDS:
            await flush()
        elif later is None or later.done():
            later = asyncio.create_task(flush_later(FLUSH_SECONDS - waited))

    async def settle() -> None:
        if later is not None:
            await later
        await flush()

    try:
        result, host_key = await _remote.run(
            reach.endpoint,
            reach.login,
            script,
            pinned_host_key=reach.host_key,
            time_limit=time_limit,
            run_as=run_as,
            on_output=on_output,
        )
    except RemoteError as exc:
        buffer.append(f"Shipyard: {exc}")
        await settle()
        if event_id is not None:
            await _finish(sessions, event_id, "failed", None)
        raise HostActionFailed(str(exc)) from exc
    await settle()
    async with sessions() as session:
        if reach.host_key is None and host_key:
            pinned = await session.get(Server, server_id)
            if pinned is not None and pinned.host_key is None:
                pinned.host_key = host_key
        if event_id is not None:
            await repository.finish_event(
                session, event_id, "finished" if result.ok else "failed", result.exit_code
            )
        await session.commit()
    if check and not result.ok:
        raise HostActionFailed(
            f"{description} failed on {server.name} (exit code {result.exit_code}).", result
        )
    return result


def remote() -> Remote:
    """The process's SSH pool, shared with other domains that reach servers (deployments)."""
    return _remote


async def reach(sessions: async_sessionmaker[AsyncSession], server_id: int) -> Target:
    """How to reach the server as root (see `target`)."""
    async with sessions() as session:
        server = await repository.with_secrets(session, server_id)
        if server is None:
            raise HostActionFailed(f"Server {server_id} no longer exists.")
        return await target(sessions, server)


async def fetch(
    sessions: async_sessionmaker[AsyncSession],
    server_id: int,
    remote_path: str,
    local_path: str,
    *,
    remove: bool = False,
) -> None:
    """Copy a file from the server to Shipyard (with `remove`, then delete it on the server).

    Raises HostActionFailed when the host is unreachable or the file cannot be copied."""
    way = await reach(sessions, server_id)
    try:
        await _remote.download(
            way.endpoint,
            way.login,
            remote_path,
            local_path,
            pinned_host_key=way.host_key,
            remove=remove,
        )
    except RemoteError as exc:
        raise HostActionFailed(str(exc)) from exc


async def send(
    sessions: async_sessionmaker[AsyncSession], server_id: int, local_path: str, remote_path: str
) -> None:
    """Copy a file from Shipyard to the server, into a directory private to root.

    Raises HostActionFailed when the host is unreachable or the file cannot be copied."""
    way = await reach(sessions, server_id)
    try:
        await _remote.upload(way.endpoint, way.login, local_path, remote_path, pinned_host_key=way.host_key)
    except RemoteError as exc:
        raise HostActionFailed(str(exc)) from exc


async def disconnect(sessions: async_sessionmaker[AsyncSession], server_id: int) -> None:
    """Drop pooled connections to the server (after its access was revoked)."""
    async with sessions() as session:
        server = await repository.with_secrets(session, server_id)
        if server is not None and server.ip_address:
            _remote.forget(Endpoint(server.ip_address, server.ssh_port, "root"))


async def _finish(
    sessions: async_sessionmaker[AsyncSession], event_id: int, status: str, code: int | None
) -> None:
    async with sessions() as session:
        await repository.finish_event(session, event_id, status, code)
        await session.commit()


async def record(
    sessions: async_sessionmaker[AsyncSession], server_id: int, description: str, output: str, *, failed: bool
) -> None:
    """An event for something decided without running a script (e.g. a package that cannot be had)."""
    async with sessions() as session:
        session.add(
            ServerEvent(
                server_id=server_id,
                ran_as="shipyard",
                description=description,
                output=output,
                status="failed" if failed else "finished",
            )
        )
        await session.commit()
