"""Backup jobs: check a configuration's storage, run a backup, restore one, delete one, and the
recurring round that queues the runs that are due.

A run dumps the databases on the host into one archive (a server event holds the dump's
output), copies the archive to a private file under the data directory over SSH, deletes it on
the host, uploads it to the bucket and deletes the local copy: the storage keys never reach a
host. Then retention removes the oldest successful backups beyond the configuration's
`retention` (their archives first) and failed runs beyond as many. A failed run e-mails the
configuration's `email`. A restore is the reverse: download, copy to the host, load.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shipyard.core.db import get_sessionmaker, utcnow
from shipyard.core.settings import get_settings
from shipyard.hostops.backups import (
    DumpSpec,
    RestoreSpec,
    archive_name,
    parse_dump,
    render_dump,
    render_restore,
    restore_name,
)
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import JobFailed, job
from shipyard.mail import service as mail
from shipyard.servers import host, resources
from shipyard.servers import service as servers
from shipyard.servers.backups import repository, rules, service
from shipyard.servers.backups.models import Backup, BackupConfiguration, BackupStatus, RestoreStatus
from shipyard.servers.backups.storage import Credentials, Storage, StorageError
from shipyard.servers.databases.service import engine_of

DUMP_TIME_LIMIT = 3 * 3600
RESTORE_TIME_LIMIT = 3 * 3600
TRANSFER_TIME = 3600  # what a job allows for copying and uploading, beyond its script


class BackupFailed(Exception):
    """A run or a restore failed; `recorded` when a server event already holds the details."""

    def __init__(self, reason: str, *, recorded: bool = False) -> None:
        super().__init__(reason)
        self.recorded = recorded


def storage_of(configuration: BackupConfiguration) -> Storage:
    return Storage(configuration.provider, Credentials.from_json(configuration.credentials))


@contextlib.contextmanager
def scratch_file() -> Iterator[str]:
    """A new file only Shipyard may read, under the data directory; removed afterwards."""
    directory = get_settings().data / "backups"
    directory.mkdir(mode=0o700, exist_ok=True)
    fd, path = tempfile.mkstemp(dir=directory, suffix=".tar.gz")
    os.close(fd)
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _seconds(since: datetime) -> int:
    return max(round((utcnow() - since).total_seconds()), 0)


@job("backups.install", timeout=300, max_attempts=2)
async def install(ctx: JobContext, configuration_id: int) -> dict[str, Any] | None:
    """Prove the keys may write and delete in the bucket: `installed`, else `failed` with the reason."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        configuration = await repository.for_job(session, configuration_id)
        if configuration is None:
            return None
        storage, directory, server_id = (
            storage_of(configuration),
            configuration.directory,
            configuration.server_id,
        )
    reason: str | None = None
    try:
        await storage.check(directory)
    except StorageError as exc:
        reason = str(exc)
    output = reason or f"Shipyard wrote a marker object to {storage.describe()} and deleted it."
    await host.record(
        sessions,
        server_id,
        f"Checking backup storage (configuration {configuration_id})",
        output + "\n",
        failed=reason is not None,
    )
    async with sessions() as session:
        configuration = await session.get(BackupConfiguration, configuration_id)
        if configuration is not None and configuration.status in (service.INSTALLING, service.UPDATING):
            configuration.status = service.FAILED if reason else service.INSTALLED
            await session.commit()
    return {"installed": reason is None}


async def _take(
    ctx: JobContext,
    sessions: async_sessionmaker[AsyncSession],
    server_id: int,
    backup_id: int,
    spec: DumpSpec,
    storage: Storage,
    key: str,
) -> int:
    """Dump on the host, bring the archive here, upload it; returns its size in bytes."""
    try:
        dumped = await host.run(
            sessions,
            server_id,
            render_dump(spec),
            description=f"Backing up databases (backup {backup_id})",
            user_id=ctx.user_id,
            time_limit=DUMP_TIME_LIMIT,
        )
        reported = parse_dump(dumped)
    except (host.HostActionFailed, ValueError) as exc:
        raise BackupFailed(f"The dump failed on the server: {exc}", recorded=True) from exc
    description = f"Storing backup {backup_id}"
    path = rules.archive_path(storage.bucket, key)
    with scratch_file() as local:
        try:
            await host.fetch(sessions, server_id, spec.path, local, remove=True)
            size = await asyncio.to_thread(os.path.getsize, local)
            if size != reported:
                raise BackupFailed(f"The archive copied from the server has {size} of its {reported} bytes.")
            await storage.upload(local, key)
        except (host.HostActionFailed, StorageError, OSError, BackupFailed) as exc:
            reason = str(exc)
            await host.record(sessions, server_id, description, f"{reason}\n", failed=True)
            raise BackupFailed(reason, recorded=True) from exc
    await host.record(sessions, server_id, description, f"Uploaded {path} ({size} bytes).\n", failed=False)
    return size


async def _prune_failed(session: AsyncSession, configuration: BackupConfiguration) -> None:
    """Failed runs hold no archive; only as many as `retention` are kept."""
    failed = await repository.with_status(session, configuration.id, BackupStatus.FAILED)
    for backup in rules.beyond_retention(failed, configuration.retention):
        await session.delete(backup)


async def _apply_retention(sessions: async_sessionmaker[AsyncSession], configuration_id: int) -> list[str]:
    """Delete the successful backups beyond `retention`, oldest first, archive then row; an archive
    the storage refuses to delete keeps its row (the next run tries again). Returns what went."""
    async with sessions() as session:
        configuration = await repository.for_job(session, configuration_id)
        if configuration is None:
            return []
        storage, server_id = storage_of(configuration), configuration.server_id
        await _prune_failed(session, configuration)
        successful = await repository.with_status(session, configuration_id, BackupStatus.SUCCESS)
        doomed = [
            (backup.id, backup.bucket, backup.object_key)
            for backup in rules.beyond_retention(successful, configuration.retention)
        ]
        retention = configuration.retention
        await session.commit()
    removed: list[str] = []
    lines: list[str] = []
    for backup_id, bucket, key in doomed:
        path = rules.archive_path(bucket, key)
        try:
            await storage.delete(key, bucket=bucket)
        except StorageError as exc:
            lines.append(f"Kept backup {backup_id}: {exc}")
            continue
        async with sessions() as session:
            await repository.delete_backup(session, backup_id)
            await session.commit()
        removed.append(path)
        lines.append(f"Deleted backup {backup_id} ({path}): more than {retention} kept.")
    if lines:
        await host.record(
            sessions,
            server_id,
            f"Applying backup retention (configuration {configuration_id})",
            "".join(line + "\n" for line in lines),
            failed=len(removed) < len(doomed),
        )
    return removed


async def _fail_run(
    sessions: async_sessionmaker[AsyncSession], configuration_id: int, backup_id: int, reason: str
) -> None:
    """Mark the run failed, keep failed runs within retention, and e-mail the configuration's address."""
    async with sessions() as session:
        backup = await repository.backup_by_id(session, backup_id)
        if backup is not None:
            backup.status, backup.finished_at = BackupStatus.FAILED, utcnow()
            backup.duration = _seconds(backup.started_at)
        configuration = await repository.for_job(session, configuration_id)
        if configuration is not None:
            await _prune_failed(session, configuration)
            if configuration.email:
                server = configuration.server
                mail.send(
                    session,
                    configuration.email,
                    f"Backup of {server.name} failed",
                    f"The backup {backup_id} of backup configuration {configuration_id} on the server "
                    f"{server.name} ({server.ip_address}) failed at {utcnow():%Y-%m-%d %H:%M:%S} UTC:\n\n"
                    f"{reason}\n\nThe server's events hold the output of each step.\n",
                )
        await session.commit()


@job("backups.run", timeout=DUMP_TIME_LIMIT + TRANSFER_TIME, max_attempts=2)
async def run(ctx: JobContext, configuration_id: int) -> dict[str, Any] | None:
    """One backup of the configuration: a Backup row from `running` to `success` or `failed`."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        configuration = await repository.for_job(session, configuration_id)
        if configuration is None:
            return None
        storage = storage_of(configuration)
        names = tuple(d.name for d in configuration.databases if d.status != resources.REMOVING)
        while True:  # names have one-second stamps: a run never takes its predecessor's
            started = utcnow()
            archive = archive_name(configuration_id, started)
            key = rules.object_key(configuration.directory, archive)
            if not await repository.key_taken(session, configuration_id, key):
                break
            await asyncio.sleep(1)
        await repository.fail_interrupted(session, configuration_id)
        backup = Backup(
            backup_configuration_id=configuration_id,
            status=BackupStatus.RUNNING,
            bucket=storage.bucket,
            object_key=key,
            databases=list(names),
            started_at=started,
        )
        session.add(backup)
        await session.commit()
        backup_id, server_id, server = backup.id, configuration.server_id, configuration.server
    try:
        try:
            engine = engine_of(server)
        except servers.ActionFailed as exc:
            raise BackupFailed(exc.message) from exc
        if not names:
            raise BackupFailed("The backup configuration has no databases left to back up.")
        spec = DumpSpec(engine, configuration_id, names, archive)
        size = await _take(ctx, sessions, server_id, backup_id, spec, storage, key)
    except BackupFailed as exc:
        if not exc.recorded:
            await host.record(
                sessions, server_id, f"Backing up databases (backup {backup_id})", f"{exc}\n", failed=True
            )
        await _fail_run(sessions, configuration_id, backup_id, str(exc))
        raise JobFailed(str(exc)) from exc
    async with sessions() as session:
        done = await repository.backup_by_id(session, backup_id)
        if done is None:  # the configuration was deleted meanwhile; its archives stay in the bucket
            return {"backup_id": backup_id, "archive_path": rules.archive_path(storage.bucket, key)}
        done.status, done.size, done.finished_at = BackupStatus.SUCCESS, size, utcnow()
        done.duration = _seconds(started)
        await session.commit()
    removed = await _apply_retention(sessions, configuration_id)
    return {
        "backup_id": backup_id,
        "archive_path": rules.archive_path(storage.bucket, key),
        "size": size,
        "removed": removed,
    }


async def _restore(
    ctx: JobContext,
    sessions: async_sessionmaker[AsyncSession],
    backup: Backup,
    database_id: int,
) -> None:
    """Download the archive, copy it to the host and load the database's dump there."""
    configuration = backup.configuration
    server_id = configuration.server_id
    async with sessions() as session:
        found = await repository.databases_on(session, server_id, [database_id])
    if not found:
        raise BackupFailed(f"The database {database_id} no longer exists on the server.")
    try:
        engine = engine_of(configuration.server)
    except servers.ActionFailed as exc:
        raise BackupFailed(exc.message) from exc
    spec = RestoreSpec(engine, found[0].name, restore_name(backup.id, secrets.token_hex(6)))
    with scratch_file() as local:
        try:
            await storage_of(configuration).download(backup.object_key, local, bucket=backup.bucket)
            await host.send(sessions, server_id, local, spec.path)
        except (StorageError, host.HostActionFailed) as exc:
            raise BackupFailed(str(exc)) from exc
    try:
        await host.run(
            sessions,
            server_id,
            render_restore(spec),
            description=f"Restoring backup {backup.id} into database {spec.database}",
            user_id=ctx.user_id,
            time_limit=RESTORE_TIME_LIMIT,
        )
    except host.HostActionFailed as exc:
        raise BackupFailed(str(exc), recorded=True) from exc


@job("backups.restore", timeout=RESTORE_TIME_LIMIT + TRANSFER_TIME, max_attempts=2)
async def restore(ctx: JobContext, backup_id: int, database_id: int) -> None:
    """Load the backup's dump of the database into it: `restore_status` `restored` or `failed`.

    A dump replaces the tables it holds, so loading it again (a retried attempt) is harmless."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        backup = await repository.backup_for_job(session, backup_id)
        if backup is None:
            return
    try:
        await _restore(ctx, sessions, backup, database_id)
    except BackupFailed as exc:
        if not exc.recorded:
            server_id = backup.configuration.server_id
            await host.record(sessions, server_id, f"Restoring backup {backup_id}", f"{exc}\n", failed=True)
        await _set_restore_status(sessions, backup_id, RestoreStatus.FAILED)
        raise JobFailed(str(exc)) from exc
    await _set_restore_status(sessions, backup_id, RestoreStatus.RESTORED)


async def _set_restore_status(
    sessions: async_sessionmaker[AsyncSession], backup_id: int, status: str
) -> None:
    async with sessions() as session:
        backup = await repository.backup_by_id(session, backup_id)
        if backup is not None:
            backup.restore_status = status
            await session.commit()


@job("backups.delete", timeout=300, max_attempts=3)
async def delete(ctx: JobContext, backup_id: int) -> None:
    """Delete the backup's archive from the bucket, then the backup (a refusal is retried; the
    backup stays `deleting` until it goes, and may be deleted again)."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        backup = await repository.backup_for_job(session, backup_id)
        if backup is None:
            return
        configuration = backup.configuration
        storage, server_id = storage_of(configuration), configuration.server_id
        bucket, key = backup.bucket, backup.object_key
    description = f"Deleting backup {backup_id}"
    try:
        await storage.delete(key, bucket=bucket)
    except StorageError as exc:
        await host.record(sessions, server_id, description, f"{exc}\n", failed=True)
        raise RuntimeError(str(exc)) from exc
    async with sessions() as session:
        await repository.delete_backup(session, backup_id)
        await session.commit()
    await host.record(
        sessions, server_id, description, f"Deleted {rules.archive_path(bucket, key)}.\n", failed=False
    )


@job("backups.schedule", timeout=120, every=lambda: get_settings().backup_tick)
async def schedule(ctx: JobContext) -> dict[str, Any]:
    """Queue a run of every configuration whose next run (its frequency, in UTC) is due."""
    async with get_sessionmaker()() as session:
        queued = await service.schedule_due(session, utcnow())
        await session.commit()
    for configuration_id in queued:
        await ctx.log(f"queued a run of backup configuration {configuration_id}")
    return {"queued": queued}
