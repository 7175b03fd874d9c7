"""Envoyer's environment endpoints: `/api/projects/{project_id}/environment`."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.core.errors import ValidationFailed
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.releases.environment import service
from shipyard.releases.environment.schemas import EnvironmentRead, EnvironmentReset, EnvironmentUpdate
from shipyard.releases.projects import service as projects
from shipyard.releases.servers.router import server_read
from shipyard.releases.servers.schemas import ServerList

router = APIRouter(prefix="/api/projects/{project_id}/environment", tags=["environment"])

EnvironmentPrincipal = Annotated[Principal, Depends(Authenticator("environments"))]


async def _key(request: Request, key: str | None) -> str:
    """The key from the query string or, as some clients send it, a JSON body on the GET."""
    if key:
        return key
    body = await request.body()
    if body:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("key"), str) and data["key"]:
            return str(data["key"])
    raise ValidationFailed({"key": ["The key field is required."]})


@router.get("", response_model=EnvironmentRead)
async def get_environment(
    project_id: ResourceId,
    principal: EnvironmentPrincipal,
    session: DbSession,
    request: Request,
    key: Annotated[str | None, Query(max_length=1024)] = None,
) -> EnvironmentRead:
    """The environment file, opened with the key it was stored under (query `key` or JSON body)."""
    contents = await service.read(session, principal.user, project_id, await _key(request, key))
    return EnvironmentRead(environment=contents)


@router.get("/servers", response_model=ServerList)
async def environment_servers(
    project_id: ResourceId, principal: EnvironmentPrincipal, session: DbSession
) -> ServerList:
    project = await projects.get(session, principal.user, project_id, owner_only=True)
    synced = await service.synced_to(session, principal.user, project_id)
    return ServerList(servers=[server_read(server, project.public_key) for server in synced])


@router.put("", status_code=204)
async def update_environment(
    project_id: ResourceId, body: EnvironmentUpdate, principal: EnvironmentPrincipal, session: DbSession
) -> None:
    """Store the file under `key` and write it to `{deployment_path}/.env` on `servers`."""
    await service.update(session, principal.user, project_id, body.key, body.contents, body.servers)
    audit.record(session, principal.actor, "project.environment.update", subject=f"project:{project_id}")


@router.delete("", status_code=204)
async def reset_environment(
    project_id: ResourceId, body: EnvironmentReset, principal: EnvironmentPrincipal, session: DbSession
) -> None:
    """Wipe the stored environment; it opens with the new `key` from now on."""
    await service.reset(session, principal.user, project_id, body.key)
    audit.record(session, principal.actor, "project.environment.reset", subject=f"project:{project_id}")
