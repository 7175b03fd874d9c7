"""Bodies of the service-level endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ApiSettings(BaseModel):
    max_response_items: int
    default_paging_num: int
    default_git_trees_per_page: int
    default_max_blob_size: int


class VersionInfo(BaseModel):
    source: str
    version: str


class JobRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    args: dict[str, Any]
    status: str
    resource_key: str | None
    attempts: int
    max_attempts: int
    error: str | None
    result: dict[str, Any] | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobLogRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempt: int
    created_at: datetime
    line: str


class JobDetail(JobRead):
    logs: list[JobLogRead]


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    user_id: int | None
    sudoer_id: int | None
    token_id: int | None
    session_id: int | None = Field(default=None, description="the dashboard session it came through")
    ip: str | None
    action: str
    subject: str | None
    details: dict[str, Any]
