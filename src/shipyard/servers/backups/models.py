"""Backup configurations (which databases, where to, how often) and their backups (one per run)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shipyard.core.db import Base, utcnow
from shipyard.core.secrets import EncryptedString
from shipyard.servers.databases.models import Database
from shipyard.servers.models import Server

backup_configuration_databases = Table(
    "backup_configuration_databases",
    Base.metadata,
    Column(
        "backup_configuration_id",
        ForeignKey("backup_configurations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("database_id", ForeignKey("databases.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class BackupStatus:
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    DELETING = "deleting"


class RestoreStatus:
    RESTORING = "restoring"
    RESTORED = "restored"
    FAILED = "failed"


class BackupConfiguration(Base):
    __tablename__ = "backup_configurations"

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(16))
    # storage.Credentials as JSON: the bucket, where it is, and the keys.
    credentials: Mapped[str] = mapped_column(EncryptedString(4096), deferred=True, deferred_raiseload=True)
    frequency: Mapped[str] = mapped_column(String(16))
    time: Mapped[str | None] = mapped_column(String(5))
    day_of_week: Mapped[int | None] = mapped_column(Integer)
    custom: Mapped[str | None] = mapped_column(String(255))
    cron: Mapped[str] = mapped_column(String(255))
    directory: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(255))
    retention: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="installing")
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)
    # The last run queued, so that a configuration never has two runs waiting.
    run_job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    server: Mapped[Server] = relationship(lazy="raise")
    databases: Mapped[list[Database]] = relationship(
        secondary=backup_configuration_databases, lazy="raise", order_by=Database.id, passive_deletes=True
    )


class Backup(Base):
    __tablename__ = "backups"

    id: Mapped[int] = mapped_column(primary_key=True)
    backup_configuration_id: Mapped[int] = mapped_column(
        ForeignKey("backup_configurations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default=BackupStatus.RUNNING)
    restore_status: Mapped[str | None] = mapped_column(String(16))
    bucket: Mapped[str] = mapped_column(String(63))
    object_key: Mapped[str] = mapped_column(String(1024))
    # The names of the databases whose dumps the archive holds.
    databases: Mapped[list[str]] = mapped_column(JSON, default=list)
    duration: Mapped[int | None] = mapped_column(Integer)
    size: Mapped[int | None] = mapped_column(BigInteger)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    configuration: Mapped[BackupConfiguration] = relationship(lazy="raise")
