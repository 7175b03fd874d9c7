"""Database and database user rules: names the engine accepts, ownership through the server, and
the jobs that apply each change on the server's database server."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.core.validation import is_single_line
from shipyard.hostops import packages
from shipyard.hostops.databases import database_name_error, user_name_error
from shipyard.jobs import service as jobs
from shipyard.servers import owned, resources
from shipyard.servers import service as servers
from shipyard.servers.databases import repository
from shipyard.servers.databases.models import Database, DatabaseUser
from shipyard.servers.databases.schemas import DatabaseCreate, DatabaseUserCreate, DatabaseUserUpdate
from shipyard.servers.models import Server

MAX_PASSWORD = 255
TAKEN = "The name has already been taken."


def engine_of(server: Server) -> str:
    """`mysql` (MariaDB or MySQL) or `postgres`: the server's database server, or Forge's 400."""
    if not server.database_type:
        raise servers.ActionFailed("The server has no database server.")
    try:
        database = packages.database(packages.distribution(server.os or ""), server.database_type)
    except packages.Unavailable as exc:
        raise servers.ActionFailed(str(exc)) from exc
    return database.engine


async def _ready(session: AsyncSession, user: User, server_id: int) -> tuple[Server, str]:
    server = await servers.get(session, user, server_id)
    servers.require_ready(server)
    return server, engine_of(server)


def _password_error(password: str) -> str | None:
    if len(password) > MAX_PASSWORD or not is_single_line(password):
        return f"The password must be a single line of at most {MAX_PASSWORD} characters."
    return None


async def _user_name_error(session: AsyncSession, server: Server, engine: str, name: str) -> str | None:
    reason = user_name_error(engine, name)
    if reason is None and name.lower() == server.ssh_user.lower():
        reason = f"The name {name} is the server's own administrative database user."
    if reason is None and await repository.user_named(session, server.id, name) is not None:
        reason = TAKEN
    return reason


async def _granted(
    session: AsyncSession, server_id: int, ids: list[int], errors: dict[str, list[str]]
) -> list[Database]:
    """The databases with these ids on the server; an id that is not one (or is going) is an error."""
    found = {database.id: database for database in await repository.of_ids(session, server_id, ids)}
    for index, database_id in enumerate(ids):
        database = found.get(database_id)
        if database is None or database.status == resources.REMOVING:
            errors[f"databases.{index}"] = ["The database does not exist on this server."]
    return [found[database_id] for database_id in dict.fromkeys(ids) if database_id in found]


async def create_database(
    session: AsyncSession, user: User, server_id: int, body: DatabaseCreate, *, actor: Actor
) -> tuple[Database, DatabaseUser | None]:
    """The database, and the user given with it (granted the database), both `installing`."""
    server, engine = await _ready(session, user, server_id)
    errors: dict[str, list[str]] = {}
    if reason := database_name_error(engine, body.name):
        errors["name"] = [reason]
    elif await repository.named(session, server.id, body.name) is not None:
        errors["name"] = [TAKEN]
    if body.user:
        if reason := await _user_name_error(session, server, engine, body.user):
            errors["user"] = [reason]
        if not body.password:
            errors["password"] = ["The password field is required when user is present."]
        elif reason := _password_error(body.password):
            errors["password"] = [reason]
    if errors:
        raise ValidationFailed(errors)
    database = Database(server_id=server.id, name=body.name)
    session.add(database)
    await session.flush()
    resources.enqueue(session, "databases.install", database, actor=actor)
    database_user = None
    if body.user:
        database_user = DatabaseUser(
            server_id=server.id, name=body.user, password=body.password, databases=[database]
        )
        session.add(database_user)
        await session.flush()
        resources.enqueue(session, "database_users.install", database_user, actor=actor)
    return database, database_user


async def page(
    session: AsyncSession, user: User, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Database], int]:
    return await owned.page(session, user, Database, server_id, offset=offset, limit=limit)


async def get(session: AsyncSession, user: User, server_id: int, database_id: int) -> Database:
    return await owned.get(session, user, Database, server_id, database_id, "database")


async def delete(
    session: AsyncSession, user: User, server_id: int, database_id: int, *, actor: Actor
) -> None:
    """Marks the database `removing`; the job drops it on the host and then deletes the row."""
    database = await get(session, user, server_id, database_id)
    servers.require_ready(await servers.get(session, user, server_id))
    resources.mark_removing(session, "databases.remove", database, actor=actor)


async def sync(session: AsyncSession, user: User, server_id: int, *, actor: Actor) -> None:
    """Queue the import of the databases on the host that Shipyard does not know yet."""
    server, _ = await _ready(session, user, server_id)
    jobs.enqueue(
        session,
        "databases.sync",
        {"server_id": server.id},
        resource_key=servers.resource_key(server.id),
        actor=actor,
    )


async def create_user(
    session: AsyncSession, user: User, server_id: int, body: DatabaseUserCreate, *, actor: Actor
) -> DatabaseUser:
    server, engine = await _ready(session, user, server_id)
    errors: dict[str, list[str]] = {}
    if reason := await _user_name_error(session, server, engine, body.name):
        errors["name"] = [reason]
    if not body.password:
        errors["password"] = ["The password field is required."]
    elif reason := _password_error(body.password):
        errors["password"] = [reason]
    databases = await _granted(session, server.id, body.databases, errors)
    if errors:
        raise ValidationFailed(errors)
    database_user = DatabaseUser(
        server_id=server.id, name=body.name, password=body.password, databases=databases
    )
    session.add(database_user)
    await session.flush()
    resources.enqueue(session, "database_users.install", database_user, actor=actor)
    return database_user


async def users_page(
    session: AsyncSession, user: User, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[DatabaseUser], int]:
    await servers.get(session, user, server_id)
    return await repository.users_page(session, server_id, offset=offset, limit=limit)


async def get_user(session: AsyncSession, user: User, server_id: int, user_id: int) -> DatabaseUser:
    await servers.get(session, user, server_id)
    database_user = await repository.get_user(session, server_id, user_id)
    if database_user is None:
        raise NotFound("database user")
    return database_user


async def update_user(
    session: AsyncSession, user: User, server_id: int, user_id: int, body: DatabaseUserUpdate, *, actor: Actor
) -> DatabaseUser:
    """Replace the databases the user may use; the job grants and revokes on the host to match."""
    database_user = await get_user(session, user, server_id, user_id)
    servers.require_ready(await servers.get(session, user, server_id))
    if database_user.status == resources.REMOVING:
        raise servers.ActionFailed("The database user is being removed.")
    errors: dict[str, list[str]] = {}
    databases = await _granted(session, server_id, body.databases, errors)
    if errors:
        raise ValidationFailed(errors)
    database_user.databases = databases
    database_user.status = resources.INSTALLING
    resources.enqueue(session, "database_users.update", database_user, actor=actor)
    return database_user


async def delete_user(
    session: AsyncSession, user: User, server_id: int, user_id: int, *, actor: Actor
) -> None:
    """Marks the user `removing`; the job drops it (and its grants) on the host, then deletes the row."""
    database_user = await get_user(session, user, server_id, user_id)
    servers.require_ready(await servers.get(session, user, server_id))
    resources.mark_removing(session, "database_users.remove", database_user, actor=actor)
