"""Forge's database endpoints: `/api/v1/servers/{server_id}/databases` and `/database-users`, and
their deprecated aliases `/mysql` and `/mysql-users` (the same handlers, the same bodies)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.databases import service
from shipyard.servers.databases.models import Database, DatabaseUser
from shipyard.servers.databases.schemas import (
    DatabaseCreate,
    DatabaseEnvelope,
    DatabaseList,
    DatabaseRead,
    DatabaseUserCreate,
    DatabaseUserEnvelope,
    DatabaseUserList,
    DatabaseUserRead,
    DatabaseUserUpdate,
)

router = APIRouter(prefix="/api/v1/servers/{server_id}", tags=["databases"])

DatabasesPrincipal = Annotated[Principal, Depends(Authenticator("databases"))]


def database_read(database: Database) -> DatabaseRead:
    return DatabaseRead(
        id=database.id, name=database.name, status=database.status, created_at=database.created_at
    )


def user_read(database_user: DatabaseUser) -> DatabaseUserRead:
    return DatabaseUserRead(
        id=database_user.id,
        name=database_user.name,
        status=database_user.status,
        created_at=database_user.created_at,
        databases=[database.id for database in database_user.databases],
    )


@router.post("/mysql", response_model=DatabaseEnvelope, deprecated=True)
@router.post("/databases", response_model=DatabaseEnvelope)
async def create_database(
    server_id: ResourceId, body: DatabaseCreate, principal: DatabasesPrincipal, session: DbSession
) -> DatabaseEnvelope:
    database, database_user = await service.create_database(
        session, principal.user, server_id, body, actor=principal.actor
    )
    audit.record(session, principal.actor, "database.create", subject=f"database:{database.id}")
    if database_user is not None:
        audit.record(
            session, principal.actor, "database_user.create", subject=f"database_user:{database_user.id}"
        )
    return DatabaseEnvelope(database=database_read(database))


@router.post("/databases/sync", status_code=202)
async def sync_databases(server_id: ResourceId, principal: DatabasesPrincipal, session: DbSession) -> None:
    """Imports the databases that exist on the host but not in Shipyard (the server's own excepted)."""
    await service.sync(session, principal.user, server_id, actor=principal.actor)
    audit.record(session, principal.actor, "database.sync", subject=f"server:{server_id}")


@router.get("/mysql", response_model=DatabaseList, deprecated=True)
@router.get("/databases", response_model=DatabaseList)
async def list_databases(
    server_id: ResourceId,
    principal: DatabasesPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> DatabaseList:
    rows, total = await service.page(
        session, principal.user, server_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return DatabaseList(databases=[database_read(row) for row in rows])


@router.get("/mysql/{database_id}", response_model=DatabaseEnvelope, deprecated=True)
@router.get("/databases/{database_id}", response_model=DatabaseEnvelope)
async def get_database(
    server_id: ResourceId, database_id: ResourceId, principal: DatabasesPrincipal, session: DbSession
) -> DatabaseEnvelope:
    database = await service.get(session, principal.user, server_id, database_id)
    return DatabaseEnvelope(database=database_read(database))


@router.delete("/mysql/{database_id}", status_code=204, deprecated=True)
@router.delete("/databases/{database_id}", status_code=204)
async def delete_database(
    server_id: ResourceId, database_id: ResourceId, principal: DatabasesPrincipal, session: DbSession
) -> None:
    await service.delete(session, principal.user, server_id, database_id, actor=principal.actor)
    audit.record(session, principal.actor, "database.delete", subject=f"database:{database_id}")


@router.post("/mysql-users", response_model=DatabaseUserEnvelope, deprecated=True)
@router.post("/database-users", response_model=DatabaseUserEnvelope)
async def create_database_user(
    server_id: ResourceId, body: DatabaseUserCreate, principal: DatabasesPrincipal, session: DbSession
) -> DatabaseUserEnvelope:
    database_user = await service.create_user(session, principal.user, server_id, body, actor=principal.actor)
    audit.record(
        session, principal.actor, "database_user.create", subject=f"database_user:{database_user.id}"
    )
    return DatabaseUserEnvelope(user=user_read(database_user))


@router.get("/mysql-users", response_model=DatabaseUserList, deprecated=True)
@router.get("/database-users", response_model=DatabaseUserList)
async def list_database_users(
    server_id: ResourceId,
    principal: DatabasesPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> DatabaseUserList:
    rows, total = await service.users_page(
        session, principal.user, server_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return DatabaseUserList(users=[user_read(row) for row in rows])


@router.get("/mysql-users/{user_id}", response_model=DatabaseUserEnvelope, deprecated=True)
@router.get("/database-users/{user_id}", response_model=DatabaseUserEnvelope)
async def get_database_user(
    server_id: ResourceId, user_id: ResourceId, principal: DatabasesPrincipal, session: DbSession
) -> DatabaseUserEnvelope:
    database_user = await service.get_user(session, principal.user, server_id, user_id)
    return DatabaseUserEnvelope(user=user_read(database_user))


@router.put("/mysql-users/{user_id}", response_model=DatabaseUserEnvelope, deprecated=True)
@router.put("/database-users/{user_id}", response_model=DatabaseUserEnvelope)
async def update_database_user(
    server_id: ResourceId,
    user_id: ResourceId,
    body: DatabaseUserUpdate,
    principal: DatabasesPrincipal,
    session: DbSession,
) -> DatabaseUserEnvelope:
    database_user = await service.update_user(
        session, principal.user, server_id, user_id, body, actor=principal.actor
    )
    audit.record(session, principal.actor, "database_user.update", subject=f"database_user:{user_id}")
    return DatabaseUserEnvelope(user=user_read(database_user))


@router.delete("/mysql-users/{user_id}", status_code=204, deprecated=True)
@router.delete("/database-users/{user_id}", status_code=204)
async def delete_database_user(
    server_id: ResourceId, user_id: ResourceId, principal: DatabasesPrincipal, session: DbSession
) -> None:
    await service.delete_user(session, principal.user, server_id, user_id, actor=principal.actor)
    audit.record(session, principal.actor, "database_user.delete", subject=f"database_user:{user_id}")
