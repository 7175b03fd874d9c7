"""Backup configuration rules: validation, ownership through the server, and the jobs that check
the storage, run, restore and delete backups, each in line with the server's other changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.db import utcnow
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.jobs import service as jobs
from shipyard.jobs.models import Job
from shipyard.servers import resources
from shipyard.servers import service as servers
from shipyard.servers.backups import repository, rules
from shipyard.servers.backups.models import Backup, BackupConfiguration, BackupStatus, RestoreStatus
from shipyard.servers.backups.schemas import BackupConfigurationCreate, RestoreRequest
from shipyard.servers.backups.storage import Credentials
from shipyard.servers.databases.models import Database
from shipyard.servers.databases.service import engine_of

INSTALLING, INSTALLED, UPDATING, FAILED = "installing", "installed", "updating", "failed"


def _enqueue(
    session: AsyncSession, name: str, args: dict[str, Any], server_id: int, actor: Actor | None
) -> Job:
    return jobs.enqueue(session, name, args, resource_key=servers.resource_key(server_id), actor=actor)


async def _databases(
    session: AsyncSession, server_id: int, ids: list[int], errors: dict[str, list[str]]
) -> list[Database]:
    """The server's databases with these ids; an id that is not one (or is going) is an error."""
    found = {database.id: database for database in await repository.databases_on(session, server_id, ids)}
    for index, database_id in enumerate(ids):
        database = found.get(database_id)
        if database is None or database.status == resources.REMOVING:
            errors[f"databases.{index}"] = [f"The database {database_id} does not exist on this server."]
    return [found[database_id] for database_id in dict.fromkeys(ids) if database_id in found]


async def _apply(
    session: AsyncSession,
    user: User,
    server_id: int,
    body: BackupConfigurationCreate,
    configuration: BackupConfiguration,
) -> None:
    """Check the payload and write it into the configuration (422 naming each bad field)."""
    server = await servers.get(session, user, server_id)
    checked, errors = rules.validate(body)
    databases = await _databases(session, server.id, body.databases, errors)
    if errors or checked is None:
        raise ValidationFailed(errors)
    servers.require_ready(server)
    engine_of(server)  # a server without a database server has nothing to back up (400)
    credentials = body.credentials
    configuration.provider = body.provider
    configuration.credentials = Credentials(
        bucket=credentials.bucket,
        access_key=credentials.access_key,
        secret_key=credentials.secret_key,
        region=checked.region,
        endpoint=checked.endpoint,
    ).to_json()
    schedule = checked.schedule
    configuration.frequency, configuration.cron = schedule.frequency, schedule.cron
    configuration.time, configuration.day_of_week, configuration.custom = (
        schedule.time,
        schedule.day,
        schedule.custom,
    )
    configuration.directory = checked.directory
    configuration.email = body.email or None
    configuration.retention = body.retention
    configuration.databases = databases
    configuration.next_run_at = rules.next_run(schedule.cron, utcnow())


async def create(
    session: AsyncSession, user: User, server_id: int, body: BackupConfigurationCreate, *, actor: Actor
) -> BackupConfiguration:
    """A new configuration is `installing` until its job proved that the keys work on the bucket."""
    configuration = BackupConfiguration(server_id=server_id, status=INSTALLING)
    await _apply(session, user, server_id, body, configuration)
    session.add(configuration)
    await session.flush()
    _enqueue(session, "backups.install", {"configuration_id": configuration.id}, server_id, actor)
    return configuration


async def update(
    session: AsyncSession,
    user: User,
    server_id: int,
    configuration_id: int,
    body: BackupConfigurationCreate,
    *,
    actor: Actor,
) -> BackupConfiguration:
    """Replace the configuration; it is `updating` until the storage is checked again."""
    configuration = await get(session, user, server_id, configuration_id)
    await _apply(session, user, server_id, body, configuration)
    configuration.status = UPDATING
    _enqueue(session, "backups.install", {"configuration_id": configuration.id}, server_id, actor)
    return configuration


async def page(
    session: AsyncSession, user: User, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[BackupConfiguration], int]:
    await servers.get(session, user, server_id)
    return await repository.page(session, server_id, offset=offset, limit=limit)


async def get(
    session: AsyncSession, user: User, server_id: int, configuration_id: int
) -> BackupConfiguration:
    await servers.get(session, user, server_id)
    configuration = await repository.get(session, server_id, configuration_id)
    if configuration is None:
        raise NotFound("backup configuration")
    return configuration


async def backups_of(
    session: AsyncSession, configurations: Sequence[BackupConfiguration]
) -> dict[int, list[Backup]]:
    """Each configuration's backups, newest first."""
    return await repository.backups_of(session, [configuration.id for configuration in configurations])


async def enqueue_run(session: AsyncSession, configuration: BackupConfiguration, actor: Actor | None) -> bool:
    """Queue a run unless one is queued or running already; whether one was queued."""
    if configuration.run_job_id is not None:
        try:
            pending = not (await jobs.get(session, configuration.run_job_id)).finished
        except NotFound:
            pending = False
        if pending:
            return False
    job = _enqueue(
        session, "backups.run", {"configuration_id": configuration.id}, configuration.server_id, actor
    )
    await session.flush()
    configuration.run_job_id = job.id
    return True


async def run(
    session: AsyncSession, user: User, server_id: int, configuration_id: int, *, actor: Actor
) -> BackupConfiguration:
    """Run the configuration now (a run already waiting is not doubled)."""
    configuration = await get(session, user, server_id, configuration_id)
    servers.require_ready(await servers.get(session, user, server_id))
    if configuration.status != INSTALLED:
        raise servers.ActionFailed(
            f"The backup configuration is {configuration.status}: it runs once its storage check succeeded."
        )
    await enqueue_run(session, configuration, actor)
    return configuration


async def schedule_due(session: AsyncSession, now: datetime) -> list[int]:
    """Queue a run of every installed configuration that is due, and move each to its next run;
    returns the configurations queued (one whose last run is still waiting is skipped)."""
    queued: list[int] = []
    for configuration in await repository.due(session, now, INSTALLED):
        if await enqueue_run(session, configuration, None):
            queued.append(configuration.id)
        configuration.next_run_at = rules.next_run(configuration.cron, now)
    return queued


async def delete(session: AsyncSession, user: User, server_id: int, configuration_id: int) -> None:
    """Forget the configuration and its backups at once; the archives stay in the bucket."""
    await session.delete(await get(session, user, server_id, configuration_id))


async def _backup(
    session: AsyncSession, user: User, server_id: int, configuration_id: int, backup_id: int
) -> tuple[BackupConfiguration, Backup]:
    configuration = await get(session, user, server_id, configuration_id)
    backup = await repository.backup(session, configuration.id, backup_id)
    if backup is None:
        raise NotFound("backup")
    return configuration, backup


async def restore(
    session: AsyncSession,
    user: User,
    server_id: int,
    configuration_id: int,
    backup_id: int,
    body: RestoreRequest,
    *,
    actor: Actor,
) -> BackupConfiguration:
    """Queue loading the backup's dump of one database (default: the configuration's first) into it."""
    configuration, backup = await _backup(session, user, server_id, configuration_id, backup_id)
    servers.require_ready(await servers.get(session, user, server_id))
    if backup.status != BackupStatus.SUCCESS:
        raise servers.ActionFailed(f"Only a successful backup can be restored; this one is {backup.status}.")
    if backup.restore_status == RestoreStatus.RESTORING:
        raise servers.ActionFailed("The backup is being restored already.")
    if body.database is None:
        if not configuration.databases:
            raise servers.ActionFailed("The backup configuration has no database to restore into.")
        database = configuration.databases[0]
    else:
        found = await repository.databases_on(session, server_id, [body.database])
        if not found or found[0].status == resources.REMOVING:
            raise ValidationFailed({"database": ["The database does not exist on this server."]})
        database = found[0]
    if database.name not in backup.databases:
        raise ValidationFailed({"database": [f"The backup holds no dump of the database {database.name}."]})
    backup.restore_status = RestoreStatus.RESTORING
    _enqueue(
        session, "backups.restore", {"backup_id": backup.id, "database_id": database.id}, server_id, actor
    )
    return configuration


async def delete_backup(
    session: AsyncSession, user: User, server_id: int, configuration_id: int, backup_id: int, *, actor: Actor
) -> None:
    """Marks the backup `deleting`; the job deletes its archive from the bucket, then the row."""
    _, backup = await _backup(session, user, server_id, configuration_id, backup_id)
    if backup.status == BackupStatus.RUNNING:
        raise servers.ActionFailed("The backup is still running.")
    backup.status = BackupStatus.DELETING
    _enqueue(session, "backups.delete", {"backup_id": backup.id}, server_id, actor)
