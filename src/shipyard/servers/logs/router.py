"""Forge's `GET /api/v1/servers/{server_id}/logs?file=...`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.logs import service

router = APIRouter(prefix="/api/v1/servers/{server_id}/logs", tags=["servers"])

ServersPrincipal = Annotated[Principal, Depends(Authenticator("servers"))]


class LogRead(BaseModel):
    path: str
    content: str


@router.get("", response_model=LogRead)
async def get_log(
    server_id: ResourceId,
    principal: ServersPrincipal,
    session: DbSession,
    file: Annotated[str, Query(max_length=32, description="nginx_access, nginx_error, database or phpXY")],
) -> LogRead:
    path, content = await service.tail(session, principal.user, server_id, file)
    return LogRead(path=path, content=content)
