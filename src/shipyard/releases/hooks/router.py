"""Envoyer's hook endpoints: `/api/projects/{project_id}/hooks`."""

from __future__ import annotations

from itertools import groupby
from typing import Annotated

from fastapi import APIRouter, Depends

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.releases.hooks import service
from shipyard.releases.hooks.models import Hook
from shipyard.releases.hooks.schemas import HookCreate, HookEnvelope, HookList, HookRead, HookUpdate

router = APIRouter(prefix="/api/projects/{project_id}/hooks", tags=["hooks"])

HooksPrincipal = Annotated[Principal, Depends(Authenticator("hooks"))]


def hook_read(hook: Hook) -> HookRead:
    return HookRead(
        id=hook.id,
        user_id=hook.user_id,
        project_id=hook.project_id,
        action_id=hook.action_id,
        timing=hook.timing,
        name=hook.name,
        run_as=hook.run_as,
        script=hook.script,
        sequence=hook.sequence,
        servers=list(hook.servers),
        created_at=hook.created_at,
        updated_at=hook.updated_at,
    )


@router.get("", response_model=HookList)
async def list_hooks(project_id: ResourceId, principal: HooksPrincipal, session: DbSession) -> HookList:
    hooks = await service.all_of(session, principal.user, project_id)
    return HookList(
        hooks=[[hook_read(h) for h in group] for _, group in groupby(hooks, key=lambda h: h.action_id)]
    )


@router.post("", response_model=HookEnvelope)
async def create_hook(
    project_id: ResourceId, body: HookCreate, principal: HooksPrincipal, session: DbSession
) -> HookEnvelope:
    hook = await service.create(session, principal.user, project_id, body)
    audit.record(session, principal.actor, "project.hook.create", subject=f"hook:{hook.id}")
    return HookEnvelope(hook=hook_read(hook))


@router.get("/{hook_id}", response_model=HookEnvelope)
async def get_hook(
    project_id: ResourceId, hook_id: ResourceId, principal: HooksPrincipal, session: DbSession
) -> HookEnvelope:
    return HookEnvelope(hook=hook_read(await service.get(session, principal.user, project_id, hook_id)))


@router.put("/{hook_id}", response_model=HookEnvelope)
async def update_hook(
    project_id: ResourceId,
    hook_id: ResourceId,
    body: HookUpdate,
    principal: HooksPrincipal,
    session: DbSession,
) -> HookEnvelope:
    hook = await service.update(session, principal.user, project_id, hook_id, body)
    audit.record(session, principal.actor, "project.hook.update", subject=f"hook:{hook_id}")
    return HookEnvelope(hook=hook_read(hook))


@router.delete("/{hook_id}", status_code=204)
async def delete_hook(
    project_id: ResourceId, hook_id: ResourceId, principal: HooksPrincipal, session: DbSession
) -> None:
    await service.delete(session, principal.user, project_id, hook_id)
    audit.record(session, principal.actor, "project.hook.delete", subject=f"hook:{hook_id}")
