"""Forge's site command endpoints: `/api/v1/servers/{server_id}/sites/{site_id}/commands`."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.auth.models import User
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.sites.commands import service
from shipyard.sites.commands.models import SiteCommand
from shipyard.sites.commands.schemas import (
    CommandCreate,
    CommandEnvelope,
    CommandList,
    CommandRead,
    CommandWithOutput,
)

router = APIRouter(prefix="/api/v1/servers/{server_id}/sites/{site_id}/commands", tags=["sites"])

SitesPrincipal = Annotated[Principal, Depends(Authenticator("sites"))]


def _photo(user: User) -> str:
    """Forge's avatar URL for a user: unavatar for the e-mail, with initials as the fallback."""
    fallback = f"https://ui-avatars.com/api?name={quote(user.name)}&color=7F9CF4&background=EBF4FF"
    return f"https://unavatar.vercel.app/{quote(user.email)}?fallback={quote(fallback, safe='')}"


def command_read(row: SiteCommand, runner: User | None) -> CommandRead:
    return CommandRead(
        id=row.id,
        server_id=row.server_id,
        site_id=row.site_id,
        user_id=row.user_id,
        event_id=row.event_id,
        command=row.command,
        status=row.status,
        created_at=row.created_at,
        updated_at=row.updated_at,
        profile_photo_url=_photo(runner) if runner else None,
        user_name=runner.name if runner else None,
    )


@router.post("", response_model=CommandEnvelope)
async def execute_command(
    server_id: ResourceId,
    site_id: ResourceId,
    body: CommandCreate,
    principal: SitesPrincipal,
    session: DbSession,
) -> CommandEnvelope:
    """Runs the command with bash as the site user in the site's directory (status waiting,
    running, then finished or failed)."""
    row = await service.create(
        session, principal.user, server_id, site_id, body.command, actor=principal.actor
    )
    audit.record(session, principal.actor, "site.command", subject=f"site:{site_id}")
    return CommandEnvelope(command=command_read(row, principal.user))


@router.get("", response_model=CommandList)
async def list_commands(
    server_id: ResourceId,
    site_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> CommandList:
    rows, total = await service.page(
        session, principal.user, server_id, site_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    runners = await service.runners(session, rows)
    return CommandList(
        commands=[command_read(row, runners.get(row.user_id) if row.user_id else None) for row in rows]
    )


@router.get("/{command_id}", response_model=CommandWithOutput)
async def get_command(
    server_id: ResourceId,
    site_id: ResourceId,
    command_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
) -> CommandWithOutput:
    """The command and its output (so far, while it runs)."""
    row = await service.get(session, principal.user, server_id, site_id, command_id)
    runners = await service.runners(session, [row])
    return CommandWithOutput(
        command=command_read(row, runners.get(row.user_id) if row.user_id else None),
        output=await service.output_of(session, principal.user, row),
    )
