"""Database jobs: create and drop databases, apply and drop users, import what the host has."""

from __future__ import annotations

from typing import Any

from shipyard.core.db import get_sessionmaker
from shipyard.hostops.databases import (
    DatabaseSpec,
    UserSpec,
    database_name_error,
    parse_databases,
    render_apply_user,
    render_create_database,
    render_drop_database,
    render_drop_user,
    render_list_databases,
)
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import host, resources
from shipyard.servers import repository as servers_repository
from shipyard.servers.databases import repository
from shipyard.servers.databases.models import Database, DatabaseUser
from shipyard.servers.databases.service import engine_of


def database_spec(database: Database) -> DatabaseSpec:
    return DatabaseSpec(engine_of(database.server), database.name)


def user_spec(database_user: DatabaseUser) -> UserSpec:
    return UserSpec(
        engine_of(database_user.server),
        database_user.name,
        tuple(database.name for database in database_user.databases),
        database_user.password,
    )


@job("databases.install", timeout=300, max_attempts=2)
async def install(ctx: JobContext, resource_id: int) -> None:
    await resources.install(
        ctx,
        repository.for_host,
        resource_id,
        lambda database: render_create_database(database_spec(database)),
        f"Creating database {resource_id}",
    )


@job("databases.remove", timeout=300, max_attempts=3)
async def remove(ctx: JobContext, resource_id: int) -> None:
    await resources.remove(
        ctx,
        repository.for_host,
        resource_id,
        lambda database: render_drop_database(database_spec(database)),
        f"Dropping database {resource_id}",
    )


@job("databases.sync", timeout=300, max_attempts=2)
async def sync(ctx: JobContext, server_id: int) -> dict[str, Any] | None:
    """Add the host's databases that Shipyard does not know, as installed; names it could not
    manage (not letters, digits and `_`) are left out and listed in the job's result."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        server = await servers_repository.with_secrets(session, server_id)
        if server is None:
            return None
        engine = engine_of(server)
    listed = await host.run(
        sessions,
        server_id,
        render_list_databases(engine),
        description="Syncing databases",
        user_id=ctx.user_id,
    )
    imported, skipped = [], []
    async with sessions() as session:
        known = await repository.names(session, server_id)
        for name in parse_databases(engine, listed):
            if name in known:
                continue
            if database_name_error(engine, name):
                skipped.append(name)
                continue
            session.add(Database(server_id=server_id, name=name, status=resources.INSTALLED))
            imported.append(name)
        await session.commit()
    return {"imported": imported, "skipped": skipped}


async def _apply_user(ctx: JobContext, resource_id: int, description: str) -> None:
    await resources.install(
        ctx,
        repository.user_for_host,
        resource_id,
        lambda user: render_apply_user(user_spec(user)),
        description,
    )
    # The host has the user now: its password is not needed any more.
    async with get_sessionmaker()() as session:
        database_user = await repository.user_for_host(session, resource_id)
        if database_user is not None and database_user.status == resources.INSTALLED:
            database_user.password = None
            await session.commit()


@job("database_users.install", timeout=300, max_attempts=2)
async def install_user(ctx: JobContext, resource_id: int) -> None:
    await _apply_user(ctx, resource_id, f"Creating database user {resource_id}")


@job("database_users.update", timeout=300, max_attempts=2)
async def update_user(ctx: JobContext, resource_id: int) -> None:
    await _apply_user(ctx, resource_id, f"Updating database user {resource_id}")


@job("database_users.remove", timeout=300, max_attempts=3)
async def remove_user(ctx: JobContext, resource_id: int) -> None:
    await resources.remove(
        ctx,
        repository.user_for_host,
        resource_id,
        lambda user: render_drop_user(engine_of(user.server), user.name),
        f"Dropping database user {resource_id}",
    )
