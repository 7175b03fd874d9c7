"""Blackfire and Papertrail on a server: Forge's `blackfire_status` and `papertrail_status`.

Install sets the status `installing` and queues a job that sets `installed` only when the host
confirmed, else `failed` (the output stays in a server event). Remove sets `removing`; its job
clears the status (null) once the host is clean, or sets `failed`. Installing again with new
values reconfigures; either call is refused (409) while the previous one is still queued or running.
"""

from __future__ import annotations

from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import Conflict, ValidationFailed
from shipyard.core.validation import (
    BLACKFIRE_SERVER_ID,
    BLACKFIRE_SERVER_TOKEN,
    host_and_port,
    join_host_port,
)
from shipyard.jobs import service as jobs
from shipyard.servers import service as servers
from shipyard.servers.agents.schemas import BlackfireInstall, PapertrailInstall
from shipyard.servers.models import Server

INSTALLING, INSTALLED, FAILED, REMOVING = "installing", "installed", "failed", "removing"
# The syslog port, when the destination names none (Papertrail's own always do).
DEFAULT_SYSLOG_PORT = 514

Agent = Literal["blackfire", "papertrail"]
NAMES: dict[Agent, str] = {"blackfire": "Blackfire", "papertrail": "Papertrail"}


def status_of(server: Server, agent: Agent) -> str | None:
    return server.blackfire_status if agent == "blackfire" else server.papertrail_status


def set_status(server: Server, agent: Agent, status: str | None) -> None:
    if agent == "blackfire":
        server.blackfire_status = status
    else:
        server.papertrail_status = status


def papertrail_destination(host: str) -> tuple[str, int]:
    """`host[:port]` as (host, port), or a 422 on `host`."""
    destination = host_and_port(host, DEFAULT_SYSLOG_PORT)
    if destination is None:
        raise ValidationFailed(
            {
                "host": [
                    "The host must be a host name or an IP address, optionally with a port from 1 to "
                    "65535 (logs.papertrailapp.com:12345, 192.0.2.10, [2001:db8::1]:514)."
                ]
            }
        )
    return destination


def blackfire_errors(body: BlackfireInstall) -> dict[str, list[str]]:
    """What is wrong with the credentials; the messages never repeat the values."""
    errors: dict[str, list[str]] = {}
    if not BLACKFIRE_SERVER_ID.match(body.server_id):
        errors["server_id"] = [
            "The server id must be Blackfire's server id: 8 to 128 letters, digits and dashes (a UUID)."
        ]
    if not BLACKFIRE_SERVER_TOKEN.match(body.server_token):
        errors["server_token"] = [
            "The server token must be Blackfire's server token: 16 to 256 letters and digits "
            "(64 hexadecimal digits)."
        ]
    return errors


async def _require_idle(session: AsyncSession, server: Server, agent: Agent) -> None:
    """A ready server where no install or removal of `agent` is under way (else 400 or 409).

    A status left `installing`/`removing` by a job that will not run again (cancelled, or out
    of attempts) does not block a new request.
    """
    servers.require_ready(server)
    status = status_of(server, agent)
    if status in (INSTALLING, REMOVING) and await jobs.unfinished(
        session, (f"{agent}.install", f"{agent}.remove"), servers.resource_key(server.id)
    ):
        raise Conflict(f"{NAMES[agent]} is still {status} on this server; try again when it has finished.")


def _enqueue(session: AsyncSession, server: Server, agent: Agent, verb: str, actor: Actor) -> None:
    jobs.enqueue(
        session,
        f"{agent}.{verb}",
        {"server_id": server.id},
        resource_key=servers.resource_key(server.id),
        actor=actor,
    )


async def install_blackfire(
    session: AsyncSession, user: User, server_id: int, body: BlackfireInstall, *, actor: Actor
) -> None:
    """Keep the credentials (the token encrypted) and queue the install."""
    server = await servers.get(session, user, server_id)
    errors = blackfire_errors(body)
    if errors:
        raise ValidationFailed(errors)
    await _require_idle(session, server, "blackfire")
    server.blackfire_server_id = body.server_id
    server.blackfire_server_token = body.server_token
    set_status(server, "blackfire", INSTALLING)
    _enqueue(session, server, "blackfire", "install", actor)


async def install_papertrail(
    session: AsyncSession, user: User, server_id: int, body: PapertrailInstall, *, actor: Actor
) -> str:
    """Keep the destination and queue the install; returns the destination as `host:port`."""
    server = await servers.get(session, user, server_id)
    host, port = papertrail_destination(body.host)
    await _require_idle(session, server, "papertrail")
    server.papertrail_host = join_host_port(host, port)
    set_status(server, "papertrail", INSTALLING)
    _enqueue(session, server, "papertrail", "install", actor)
    return server.papertrail_host


async def remove(session: AsyncSession, user: User, server_id: int, agent: Agent, *, actor: Actor) -> None:
    """Queue the removal (also of a failed or never-finished install: it cleans up what is there)."""
    server = await servers.get(session, user, server_id)
    await _require_idle(session, server, agent)
    set_status(server, agent, REMOVING)
    _enqueue(session, server, agent, "remove", actor)
