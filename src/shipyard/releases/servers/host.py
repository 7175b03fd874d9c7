"""Run a script on a project's server: as `connect_as` with the project's own key, or, for an
attached Shipyard server, over Shipyard's own connection to it. Only `remote` opens SSH."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shipyard.core.script import HostResult, Script
from shipyard.releases.projects import repository as projects
from shipyard.releases.servers import repository
from shipyard.releases.servers.models import ProjectServer
from shipyard.remote.ssh import Endpoint, Login, OutputCallback
from shipyard.servers import host as forge_host


@dataclass(frozen=True)
class Reach:
    endpoint: Endpoint
    login: Login
    host_key: str | None
    # Set when the host key is ours to pin (a server reached with the project's key).
    pin_on: int | None


async def reach(sessions: async_sessionmaker[AsyncSession], server: ProjectServer) -> Reach:
    if server.forge_server_id is not None:
        way = await forge_host.reach(sessions, server.forge_server_id)
        return Reach(way.endpoint, way.login, way.host_key, None)
    async with sessions() as session:
        project = await projects.with_secrets(session, server.project_id)
        if project is None:
            raise forge_host.HostActionFailed(f"Project {server.project_id} no longer exists.")
        key = project.private_key
    return Reach(
        Endpoint(server.host, server.port, server.connect_as),
        Login(private_key=key),
        server.host_key,
        server.id,
    )


async def run(
    sessions: async_sessionmaker[AsyncSession],
    server: ProjectServer,
    script: Script,
    *,
    run_as: str | None = None,
    time_limit: float = 600,
    on_output: OutputCallback | None = None,
    fresh_login: bool = False,
) -> HostResult:
    """Run `script` as `run_as` (default `connect_as`) on the server; raises RemoteError when the
    server cannot be reached. The first contact pins the server's host key."""
    way = await reach(sessions, server)
    pool = forge_host.remote()
    if fresh_login:
        pool.forget(way.endpoint)
    user = run_as or server.connect_as
    result, host_key = await pool.run(
        way.endpoint,
        way.login,
        script,
        pinned_host_key=way.host_key,
        time_limit=time_limit,
        run_as=None if user == way.endpoint.username else user,
        on_output=on_output,
    )
    if way.pin_on is not None and way.host_key is None and host_key:
        async with sessions() as session:
            pinned = await repository.by_id(session, way.pin_on)
            if pinned is not None and pinned.host_key is None:
                pinned.host_key = host_key
                await session.commit()
    return result
