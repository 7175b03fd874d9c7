"""Woodpecker's Cron shapes."""

from __future__ import annotations

from pydantic import BaseModel, Field


class CronOut(BaseModel):
    id: int
    name: str
    repo_id: int
    creator_id: int
    next_exec: int
    schedule: str
    timezone: str
    created: int
    branch: str
    enabled: bool
    variables: dict[str, str]


class CronCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    schedule: str = Field(min_length=1, max_length=255)
    timezone: str = Field(default="UTC", max_length=64)
    branch: str = Field(default="", max_length=255)
    enabled: bool = True
    variables: dict[str, str] = Field(default_factory=dict)


class CronPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    schedule: str | None = Field(default=None, min_length=1, max_length=255)
    timezone: str | None = Field(default=None, max_length=64)
    branch: str | None = Field(default=None, max_length=255)
    enabled: bool | None = None
    variables: dict[str, str] | None = None
