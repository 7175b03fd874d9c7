"""Site command rules: the command is the user's own code by design. It is never part of a
rendered shell line: it travels as a file that bash runs as the site user, in the site's
directory, as a durable job with its output kept."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.hostops.deployments import script_output
from shipyard.jobs import service as jobs
from shipyard.servers import service as servers
from shipyard.sites import service as sites
from shipyard.sites.commands import repository
from shipyard.sites.commands.models import SiteCommand

WAITING, RUNNING, FINISHED, FAILED = "waiting", "running", "finished", "failed"


async def create(
    session: AsyncSession, user: User, server_id: int, site_id: int, command: str, *, actor: Actor
) -> SiteCommand:
    site, _ = await sites.on_host(session, user, server_id, site_id, writing=True)
    if "\x00" in command or not command.strip():
        raise ValidationFailed({"command": ["The command must be text that is not blank."]})
    row = SiteCommand(server_id=site.server_id, site_id=site.id, user_id=user.id, command=command)
    session.add(row)
    await session.flush()
    jobs.enqueue(session, "sites.commands.run", {"command_id": row.id}, actor=actor)
    return row


async def page(
    session: AsyncSession, user: User, server_id: int, site_id: int, *, offset: int, limit: int
) -> tuple[Sequence[SiteCommand], int]:
    site = await sites.get(session, user, server_id, site_id)
    return await repository.page(session, site.id, offset=offset, limit=limit)


async def get(
    session: AsyncSession, user: User, server_id: int, site_id: int, command_id: int
) -> SiteCommand:
    site = await sites.get(session, user, server_id, site_id)
    row = await repository.get(session, site.id, command_id)
    if row is None:
        raise NotFound("command")
    return row


async def output_of(session: AsyncSession, user: User, row: SiteCommand) -> str:
    """All of the output once the command ended, what it printed so far while it runs."""
    if row.output is not None:
        return row.output
    if row.event_id is not None:
        try:
            output = await servers.event_output(session, user, row.server_id, row.event_id)
        except NotFound:
            return ""
        return script_output(output)
    return ""


async def runners(session: AsyncSession, rows: Sequence[SiteCommand]) -> dict[int, User]:
    """Who ran each of `rows`, by user id."""
    return await repository.users(session, {row.user_id for row in rows if row.user_id is not None})
