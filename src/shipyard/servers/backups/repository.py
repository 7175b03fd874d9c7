"""All SQL of backup configurations and backups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload, undefer

from shipyard.core.db import fetch_page
from shipyard.servers.backups.models import Backup, BackupConfiguration, BackupStatus
from shipyard.servers.databases.models import Database


async def page(
    session: AsyncSession, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[BackupConfiguration], int]:
    query = (
        select(BackupConfiguration)
        .options(selectinload(BackupConfiguration.databases))
        .where(BackupConfiguration.server_id == server_id)
    )
    return await fetch_page(session, query, order_by=BackupConfiguration.id, offset=offset, limit=limit)


async def get(session: AsyncSession, server_id: int, configuration_id: int) -> BackupConfiguration | None:
    return await session.scalar(
        select(BackupConfiguration)
        .options(selectinload(BackupConfiguration.databases))
        .where(BackupConfiguration.id == configuration_id, BackupConfiguration.server_id == server_id)
    )


async def for_job(session: AsyncSession, configuration_id: int) -> BackupConfiguration | None:
    """The configuration with its server, databases and credentials: what a job needs."""
    return await session.scalar(
        select(BackupConfiguration)
        .options(
            joinedload(BackupConfiguration.server),
            selectinload(BackupConfiguration.databases),
            undefer(BackupConfiguration.credentials),
        )
        .where(BackupConfiguration.id == configuration_id)
        .execution_options(populate_existing=True)
    )


async def databases_on(session: AsyncSession, server_id: int, ids: list[int]) -> Sequence[Database]:
    rows = await session.scalars(
        select(Database).where(Database.server_id == server_id, Database.id.in_(ids)).order_by(Database.id)
    )
    return rows.all()


async def backups_of(session: AsyncSession, configuration_ids: list[int]) -> dict[int, list[Backup]]:
    """The backups of each configuration, newest first."""
    found: dict[int, list[Backup]] = {configuration_id: [] for configuration_id in configuration_ids}
    if configuration_ids:
        rows = await session.scalars(
            select(Backup)
            .where(Backup.backup_configuration_id.in_(configuration_ids))
            .order_by(Backup.started_at.desc(), Backup.id.desc())
        )
        for backup in rows:
            found[backup.backup_configuration_id].append(backup)
    return found


async def backup(session: AsyncSession, configuration_id: int, backup_id: int) -> Backup | None:
    return await session.scalar(
        select(Backup).where(Backup.id == backup_id, Backup.backup_configuration_id == configuration_id)
    )


async def backup_by_id(session: AsyncSession, backup_id: int) -> Backup | None:
    return await session.get(Backup, backup_id, populate_existing=True)


async def with_status(session: AsyncSession, configuration_id: int, status: str) -> Sequence[Backup]:
    rows = await session.scalars(
        select(Backup).where(Backup.backup_configuration_id == configuration_id, Backup.status == status)
    )
    return rows.all()


async def key_taken(session: AsyncSession, configuration_id: int, key: str) -> bool:
    found = await session.scalar(
        select(Backup.id).where(Backup.backup_configuration_id == configuration_id, Backup.object_key == key)
    )
    return found is not None


async def fail_interrupted(session: AsyncSession, configuration_id: int) -> None:
    """Runs still `running` when a new one starts were interrupted (one run at a time): failed."""
    await session.execute(
        update(Backup)
        .where(Backup.backup_configuration_id == configuration_id, Backup.status == BackupStatus.RUNNING)
        .values(status=BackupStatus.FAILED)
    )


async def due(session: AsyncSession, now: datetime, status: str) -> Sequence[BackupConfiguration]:
    """The configurations in `status` whose next run is due."""
    rows = await session.scalars(
        select(BackupConfiguration)
        .where(
            BackupConfiguration.status == status,
            BackupConfiguration.next_run_at.is_not(None),
            BackupConfiguration.next_run_at <= now,
        )
        .order_by(BackupConfiguration.next_run_at)
    )
    return rows.all()


async def backup_for_job(session: AsyncSession, backup_id: int) -> Backup | None:
    """The backup with its configuration, that configuration's credentials and its server."""
    return await session.scalar(
        select(Backup)
        .options(
            joinedload(Backup.configuration).options(
                undefer(BackupConfiguration.credentials), joinedload(BackupConfiguration.server)
            )
        )
        .where(Backup.id == backup_id)
        .execution_options(populate_existing=True)
    )


async def delete_backup(session: AsyncSession, backup_id: int) -> None:
    await session.execute(delete(Backup).where(Backup.id == backup_id))
