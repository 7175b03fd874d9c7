"""Forge's backup configuration bodies. Credentials go in and never come back out."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.core.formats import ForgeDateTime, Id
from shipyard.servers.databases.schemas import DatabaseRead

MAX_RETENTION = 1000


class CredentialsIn(BaseModel):
    endpoint: str | None = Field(default=None, max_length=255, description="required for `custom`")
    region: str | None = Field(default=None, max_length=64, description="required for `s3` and `spaces`")
    bucket: str = Field(max_length=63)
    access_key: str = Field(max_length=255)
    secret_key: str = Field(max_length=255)


class FrequencyIn(BaseModel):
    type: str = Field(max_length=16, description="hourly, daily, weekly or custom")
    time: str | None = Field(default=None, max_length=8, description="HH:MM (UTC) for daily and weekly")
    day: int | None = Field(default=None, description="0 (Sunday) to 6 (Saturday) for weekly")
    custom: str | None = Field(default=None, max_length=255, description="a cron expression (UTC)")


class BackupConfigurationCreate(BaseModel):
    """Also the body of an update: Forge's payload and options are the same for both."""

    provider: str = Field(max_length=16, description="s3, spaces or custom")
    credentials: CredentialsIn
    frequency: FrequencyIn
    directory: str = Field(default="", max_length=255, description="the key prefix of the archives")
    email: str | None = Field(default=None, max_length=255, description="told when a backup fails")
    retention: int = Field(default=7, ge=1, le=MAX_RETENTION, description="successful backups kept")
    databases: list[Id] = Field(min_length=1, max_length=100)


class RestoreRequest(BaseModel):
    database: Id | None = Field(default=None, description="default: the configuration's first database")


class BackupRead(BaseModel):
    id: int
    backup_id: int
    status: str
    restore_status: str | None
    archive_path: str
    duration: int | None
    date: str
    size: int | None


class BackupConfigurationRead(BaseModel):
    id: int
    day_of_week: int | None
    time: str | None
    provider: str
    provider_name: str
    status: str
    databases: list[DatabaseRead]
    backups: list[BackupRead]
    last_backup_time: str | None
    frequency: str
    custom: str | None
    directory: str
    email: str | None
    retention: int
    next_run_at: ForgeDateTime | None


class BackupConfigurationEnvelope(BaseModel):
    backup: BackupConfigurationRead


class BackupConfigurationList(BaseModel):
    backups: list[BackupConfigurationRead]
