"""Daemon rules: validation, ownership through the server, and the jobs that apply them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import ValidationFailed
from shipyard.core.validation import ABSOLUTE_PATH, UNIX_USER, is_single_line
from shipyard.servers import owned, resources
from shipyard.servers import service as servers
from shipyard.servers.daemons.models import Daemon
from shipyard.servers.daemons.schemas import SIGNALS, DaemonCreate


def _validate(body: DaemonCreate) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not is_single_line(body.command):
        errors["command"] = ["The command must be a single line."]
    if not UNIX_USER.match(body.user):
        errors["user"] = ["The user must be a valid Unix user name."]
    if body.directory is not None and body.directory != "" and not ABSOLUTE_PATH.match(body.directory):
        errors["directory"] = ["The directory must be an absolute path of letters, digits and . _ @ + / -."]
    signal = body.stopsignal.upper()
    if (signal if signal.startswith("SIG") else f"SIG{signal}") not in SIGNALS:
        errors["stopsignal"] = [f"The stopsignal must be one of: {', '.join(SIGNALS)}."]
    return errors


async def create(
    session: AsyncSession, user: User, server_id: int, body: DaemonCreate, *, actor: Actor
) -> Daemon:
    server = await servers.get(session, user, server_id)
    errors = _validate(body)
    if errors:
        raise ValidationFailed(errors)
    servers.require_ready(server)
    signal = body.stopsignal.upper()
    daemon = Daemon(
        server_id=server.id,
        command=body.command,
        user=body.user,
        directory=body.directory or None,
        processes=body.processes,
        startsecs=body.startsecs,
        stopwaitsecs=body.stopwaitsecs,
        stopsignal=signal if signal.startswith("SIG") else f"SIG{signal}",
    )
    session.add(daemon)
    await session.flush()
    resources.enqueue(session, "daemons.install", daemon, actor=actor)
    return daemon


async def page(
    session: AsyncSession, user: User, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Daemon], int]:
    return await owned.page(session, user, Daemon, server_id, offset=offset, limit=limit)


async def get(session: AsyncSession, user: User, server_id: int, daemon_id: int) -> Daemon:
    return await owned.get(session, user, Daemon, server_id, daemon_id, "daemon")


async def restart(
    session: AsyncSession, user: User, server_id: int, daemon_id: int, *, actor: Actor
) -> Daemon:
    daemon = await get(session, user, server_id, daemon_id)
    servers.require_ready(await servers.get(session, user, server_id))
    resources.enqueue(session, "daemons.restart", daemon, actor=actor)
    return daemon


async def delete(session: AsyncSession, user: User, server_id: int, daemon_id: int, *, actor: Actor) -> None:
    """Marks the daemon `removing`; the job stops it on the host and then deletes the row."""
    daemon = await get(session, user, server_id, daemon_id)
    servers.require_ready(await servers.get(session, user, server_id))
    resources.mark_removing(session, "daemons.remove", daemon, actor=actor)
