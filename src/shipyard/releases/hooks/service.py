"""Hook rules: the user it runs as, the servers it runs on (the project's), its place in line."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.db import utcnow
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.core.validation import LABEL, LABEL_RULE, UNIX_USER
from shipyard.releases.hooks import repository
from shipyard.releases.hooks.models import Hook
from shipyard.releases.hooks.schemas import HookCreate, HookUpdate
from shipyard.releases.projects import service as projects
from shipyard.releases.servers import service as servers


async def _errors(
    session: AsyncSession,
    user: User,
    project_id: int,
    *,
    name: str | None,
    run_as: str | None,
    server_ids: list[int] | None,
    script: str | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if name is not None and not LABEL.match(name):
        errors["name"] = [LABEL_RULE]
    if run_as is not None and not UNIX_USER.match(run_as):
        errors["runAs"] = ["The run as user must be a valid Unix user name."]
    if script is not None and "\0" in script:
        errors["script"] = ["The script must not contain NUL characters."]
    if server_ids is not None:
        known = {server.id for server in await servers.all_of(session, user, project_id, owner_only=True)}
        unknown = [sid for sid in server_ids if sid not in known]
        if unknown:
            errors["servers"] = [f"These servers are not the project's: {', '.join(map(str, unknown))}."]
    return errors


async def create(session: AsyncSession, user: User, project_id: int, body: HookCreate) -> Hook:
    project = await projects.get(session, user, project_id, owner_only=True)
    errors = await _errors(
        session,
        user,
        project.id,
        name=body.name,
        run_as=body.runAs,
        server_ids=body.servers,
        script=body.script,
    )
    if errors:
        raise ValidationFailed(errors)
    sequence = body.sequence or await repository.next_sequence(
        session, project.id, body.actionId, body.timing
    )
    hook = Hook(
        project_id=project.id,
        user_id=user.id,
        action_id=body.actionId,
        timing=body.timing,
        name=body.name,
        run_as=body.runAs,
        script=body.script.replace("\r\n", "\n"),
        sequence=sequence,
        servers=sorted(set(body.servers)),
    )
    session.add(hook)
    await session.flush()
    return hook


async def all_of(session: AsyncSession, user: User, project_id: int) -> Sequence[Hook]:
    project = await projects.get(session, user, project_id, owner_only=True)
    return await repository.of_project(session, project.id)


async def get(session: AsyncSession, user: User, project_id: int, hook_id: int) -> Hook:
    project = await projects.get(session, user, project_id, owner_only=True)
    hook = await repository.one(session, project.id, hook_id)
    if hook is None:
        raise NotFound("hook")
    return hook


async def update(session: AsyncSession, user: User, project_id: int, hook_id: int, body: HookUpdate) -> Hook:
    hook = await get(session, user, project_id, hook_id)
    errors = await _errors(
        session,
        user,
        project_id,
        name=body.name,
        run_as=body.runAs,
        server_ids=body.servers,
        script=body.script,
    )
    if errors:
        raise ValidationFailed(errors)
    if body.name is not None:
        hook.name = body.name
    if body.script is not None:
        hook.script = body.script.replace("\r\n", "\n")
    if body.runAs is not None:
        hook.run_as = body.runAs
    if body.actionId is not None:
        hook.action_id = body.actionId
    if body.timing is not None:
        hook.timing = body.timing
    if body.servers is not None:
        hook.servers = sorted(set(body.servers))
    if body.sequence is not None:
        hook.sequence = body.sequence
    hook.updated_at = utcnow()
    await session.flush()
    return hook


async def delete(session: AsyncSession, user: User, project_id: int, hook_id: int) -> None:
    await session.delete(await get(session, user, project_id, hook_id))
