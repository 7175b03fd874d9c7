"""Forge's worker bodies."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from shipyard.core.formats import ForgeDateTime


def _blank_is_none(value: Any) -> Any:
    """Form bodies send an empty field for null (`tries=`)."""
    return None if value == "" else value


class WorkerCreate(BaseModel):
    connection: str = Field(min_length=1, max_length=64, description="the queue connection, e.g. redis")
    queue: Annotated[str | None, BeforeValidator(_blank_is_none)] = Field(
        default=None, max_length=1040, description="comma-separated queues; blank for the default queue"
    )
    timeout: int = Field(default=60, ge=0, le=86400)
    sleep: int = Field(default=3, ge=0, le=3600)
    tries: Annotated[int | None, BeforeValidator(_blank_is_none)] = Field(default=None, ge=0, le=1000)
    processes: int = Field(default=1, ge=1, le=100)
    stopwaitsecs: int = Field(default=10, ge=0, le=86400)
    daemon: bool = False
    force: bool = False
    environment: Annotated[str | None, BeforeValidator(_blank_is_none)] = Field(default=None, max_length=64)
    php_version: Annotated[str | None, BeforeValidator(_blank_is_none)] = Field(
        default=None, max_length=16, description="\"php\" for the server's PHP CLI; the site's PHP by default"
    )


class WorkerRead(BaseModel):
    id: int
    connection: str
    command: str
    queue: str | None
    timeout: int
    sleep: int
    tries: int | None
    processes: int
    stopwaitsecs: int
    environment: str | None
    php_version: str
    daemon: int
    force: int
    status: str
    created_at: ForgeDateTime


class WorkerEnvelope(BaseModel):
    worker: WorkerRead


class WorkerList(BaseModel):
    workers: list[WorkerRead]


class WorkerOutput(BaseModel):
    output: str
