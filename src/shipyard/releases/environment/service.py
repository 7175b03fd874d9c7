"""The environment file: sealed under the user's key (never stored) and written to the servers.

No job carries it: the plaintext would sit in the job's arguments. It is written to the chosen
servers while the request waits, and only stored (sealed) when every server took it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.db import get_sessionmaker, utcnow
from shipyard.core.errors import ShipyardError, ValidationFailed
from shipyard.core.secrets import WrongKey, seal, unseal
from shipyard.hostops.releases import render_environment
from shipyard.releases.projects import repository as projects_repository
from shipyard.releases.projects import service as projects
from shipyard.releases.servers import host
from shipyard.releases.servers import service as servers
from shipyard.releases.servers.models import ProjectServer
from shipyard.remote.errors import RemoteError
from shipyard.servers.host import HostActionFailed

WRONG_KEY = "The key does not open this project's environment."
SYNC_SECONDS = 60


class SyncFailed(ShipyardError):
    code = "environment_not_synced"


async def _sealed(session: AsyncSession, project_id: int) -> str | None:
    project = await projects_repository.with_secrets(session, project_id)
    assert project is not None
    return project.environment


def _open(sealed: str | None, key: str) -> str:
    if sealed is None:
        return ""
    try:
        return unseal(sealed, key)
    except WrongKey:
        raise ValidationFailed({"key": [WRONG_KEY]}) from None


async def read(session: AsyncSession, user: User, project_id: int, key: str) -> str:
    project = await projects.get(session, user, project_id, owner_only=True)
    return await asyncio.to_thread(_open, await _sealed(session, project.id), key)


async def _write(servers_: Sequence[ProjectServer], contents: str) -> None:
    sessions = get_sessionmaker()

    async def one(server: ProjectServer) -> str | None:
        try:
            result = await host.run(
                sessions,
                server,
                render_environment(server.deployment_path, contents),
                time_limit=SYNC_SECONDS,
            )
        except (RemoteError, HostActionFailed) as exc:
            return f"{server.name}: {exc}"
        return None if result.ok else f"{server.name}: exit code {result.exit_code}"

    failures = [f for f in await asyncio.gather(*(one(s) for s in servers_)) if f]
    if failures:
        raise SyncFailed(
            "The environment could not be written to every server, so it was not saved: "
            + "; ".join(failures)
        )


async def update(
    session: AsyncSession, user: User, project_id: int, key: str, contents: str, server_ids: list[int]
) -> None:
    """Check the key against the stored file, write the new one to the servers, then store it."""
    project = await projects.get(session, user, project_id, owner_only=True)
    await asyncio.to_thread(_open, await _sealed(session, project.id), key)
    known = {server.id: server for server in await servers.all_of(session, user, project_id, owner_only=True)}
    unknown = [sid for sid in server_ids if sid not in known]
    if unknown:
        raise ValidationFailed(
            {"servers": [f"These servers are not the project's: {', '.join(map(str, unknown))}."]}
        )
    contents = contents.replace("\r\n", "\n")
    chosen = sorted(set(server_ids))
    await _write([known[sid] for sid in chosen], contents)
    project.environment = await asyncio.to_thread(seal, contents, key)
    project.environment_servers = chosen
    project.updated_at = utcnow()
    await session.flush()


async def reset(session: AsyncSession, user: User, project_id: int, key: str) -> None:
    """Wipe the environment; from now on it opens with `key` (the servers' files stay)."""
    project = await projects.get(session, user, project_id, owner_only=True)
    project.environment = await asyncio.to_thread(seal, "", key)
    project.updated_at = utcnow()
    await session.flush()


async def synced_to(session: AsyncSession, user: User, project_id: int) -> Sequence[ProjectServer]:
    project = await projects.get(session, user, project_id, owner_only=True)
    return [
        s
        for s in await servers.all_of(session, user, project.id, owner_only=True)
        if s.id in project.environment_servers
    ]
