"""Forge's backup endpoints: `/api/v1/servers/{server_id}/backup-configs`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.core.db import utcnow
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.backups import rules, service
from shipyard.servers.backups.models import Backup, BackupConfiguration, BackupStatus
from shipyard.servers.backups.schemas import (
    BackupConfigurationCreate,
    BackupConfigurationEnvelope,
    BackupConfigurationList,
    BackupConfigurationRead,
    BackupRead,
    RestoreRequest,
)
from shipyard.servers.backups.storage import PROVIDERS
from shipyard.servers.databases.router import database_read

router = APIRouter(prefix="/api/v1/servers/{server_id}/backup-configs", tags=["backups"])

BackupsPrincipal = Annotated[Principal, Depends(Authenticator("backups"))]


def backup_read(backup: Backup) -> BackupRead:
    return BackupRead(
        id=backup.id,
        backup_id=backup.backup_configuration_id,
        status=backup.status,
        restore_status=backup.restore_status,
        archive_path=rules.archive_path(backup.bucket, backup.object_key),
        duration=backup.duration,
        date=rules.forge_date(backup.started_at),
        size=backup.size,
    )


def configuration_read(
    configuration: BackupConfiguration, backups: Sequence[Backup]
) -> BackupConfigurationRead:
    """The configuration with its backups (newest first) and when the last successful one ran."""
    last = next((backup for backup in backups if backup.status == BackupStatus.SUCCESS), None)
    return BackupConfigurationRead(
        id=configuration.id,
        day_of_week=configuration.day_of_week,
        time=configuration.time,
        provider=configuration.provider,
        provider_name=PROVIDERS.get(configuration.provider, configuration.provider),
        status=configuration.status,
        databases=[database_read(database) for database in configuration.databases],
        backups=[backup_read(backup) for backup in backups],
        last_backup_time=rules.ago(last.started_at, utcnow()) if last else None,
        frequency=configuration.frequency,
        custom=configuration.custom,
        directory=configuration.directory,
        email=configuration.email,
        retention=configuration.retention,
        next_run_at=configuration.next_run_at,
    )


async def _envelope(session: DbSession, configuration: BackupConfiguration) -> BackupConfigurationEnvelope:
    backups = await service.backups_of(session, [configuration])
    return BackupConfigurationEnvelope(backup=configuration_read(configuration, backups[configuration.id]))


@router.post("", response_model=BackupConfigurationEnvelope)
async def create_backup_configuration(
    server_id: ResourceId, body: BackupConfigurationCreate, principal: BackupsPrincipal, session: DbSession
) -> BackupConfigurationEnvelope:
    configuration = await service.create(session, principal.user, server_id, body, actor=principal.actor)
    audit.record(
        session,
        principal.actor,
        "backup_configuration.create",
        subject=f"backup_configuration:{configuration.id}",
    )
    return await _envelope(session, configuration)


@router.get("", response_model=BackupConfigurationList)
async def list_backup_configurations(
    server_id: ResourceId,
    principal: BackupsPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> BackupConfigurationList:
    rows, total = await service.page(
        session, principal.user, server_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    backups = await service.backups_of(session, rows)
    return BackupConfigurationList(backups=[configuration_read(row, backups[row.id]) for row in rows])


@router.get("/{configuration_id}", response_model=BackupConfigurationEnvelope)
async def get_backup_configuration(
    server_id: ResourceId, configuration_id: ResourceId, principal: BackupsPrincipal, session: DbSession
) -> BackupConfigurationEnvelope:
    return await _envelope(session, await service.get(session, principal.user, server_id, configuration_id))


@router.put("/{configuration_id}", response_model=BackupConfigurationEnvelope)
async def update_backup_configuration(
    server_id: ResourceId,
    configuration_id: ResourceId,
    body: BackupConfigurationCreate,
    principal: BackupsPrincipal,
    session: DbSession,
) -> BackupConfigurationEnvelope:
    configuration = await service.update(
        session, principal.user, server_id, configuration_id, body, actor=principal.actor
    )
    audit.record(
        session,
        principal.actor,
        "backup_configuration.update",
        subject=f"backup_configuration:{configuration_id}",
    )
    return await _envelope(session, configuration)


@router.post("/{configuration_id}", response_model=BackupConfigurationEnvelope)
async def run_backup_configuration(
    server_id: ResourceId, configuration_id: ResourceId, principal: BackupsPrincipal, session: DbSession
) -> BackupConfigurationEnvelope:
    """Runs the configuration now; the run shows in its `backups` as `running`, then `success` or `failed`."""
    configuration = await service.run(
        session, principal.user, server_id, configuration_id, actor=principal.actor
    )
    audit.record(
        session,
        principal.actor,
        "backup_configuration.run",
        subject=f"backup_configuration:{configuration_id}",
    )
    return await _envelope(session, configuration)


@router.delete("/{configuration_id}", status_code=204)
async def delete_backup_configuration(
    server_id: ResourceId, configuration_id: ResourceId, principal: BackupsPrincipal, session: DbSession
) -> None:
    """Forgets the configuration and its backups; their archives stay in the bucket."""
    await service.delete(session, principal.user, server_id, configuration_id)
    audit.record(
        session,
        principal.actor,
        "backup_configuration.delete",
        subject=f"backup_configuration:{configuration_id}",
    )


@router.post("/{configuration_id}/backups/{backup_id}", response_model=BackupConfigurationEnvelope)
async def restore_backup(
    server_id: ResourceId,
    configuration_id: ResourceId,
    backup_id: ResourceId,
    body: RestoreRequest,
    principal: BackupsPrincipal,
    session: DbSession,
) -> BackupConfigurationEnvelope:
    """Loads the backup's dump of `database` (default: the configuration's first) into that database."""
    configuration = await service.restore(
        session, principal.user, server_id, configuration_id, backup_id, body, actor=principal.actor
    )
    audit.record(session, principal.actor, "backup.restore", subject=f"backup:{backup_id}")
    return await _envelope(session, configuration)


@router.delete("/{configuration_id}/backups/{backup_id}", status_code=204)
async def delete_backup(
    server_id: ResourceId,
    configuration_id: ResourceId,
    backup_id: ResourceId,
    principal: BackupsPrincipal,
    session: DbSession,
) -> None:
    """Deletes the backup's archive from the bucket, then the backup (a job)."""
    await service.delete_backup(
        session, principal.user, server_id, configuration_id, backup_id, actor=principal.actor
    )
    audit.record(session, principal.actor, "backup.delete", subject=f"backup:{backup_id}")
