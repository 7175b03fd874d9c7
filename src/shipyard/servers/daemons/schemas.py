"""Forge's daemon bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.core.formats import ForgeDateTime

SIGNALS = ("SIGTERM", "SIGHUP", "SIGINT", "SIGQUIT", "SIGKILL", "SIGUSR1", "SIGUSR2")


class DaemonCreate(BaseModel):
    command: str = Field(min_length=1, max_length=2000)
    user: str = "forge"
    directory: str | None = Field(default=None, max_length=255)
    processes: int = Field(default=1, ge=1, le=100)
    startsecs: int = Field(default=1, ge=0, le=3600)
    stopwaitsecs: int = Field(default=10, ge=0, le=86400)
    stopsignal: str = "SIGTERM"


class DaemonRead(BaseModel):
    id: int
    command: str
    user: str
    directory: str | None
    processes: int
    startsecs: int
    stopwaitsecs: int
    stopsignal: str
    status: str
    created_at: ForgeDateTime


class DaemonEnvelope(BaseModel):
    daemon: DaemonRead


class DaemonList(BaseModel):
    daemons: list[DaemonRead]
