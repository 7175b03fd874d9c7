"""Envoyer's hook bodies: camelCase in, snake_case out."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shipyard.core.formats import Id


class HookCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    script: str = Field(min_length=1, max_length=65536)
    runAs: str = Field(min_length=1, max_length=32)
    actionId: int = Field(ge=1, le=4)
    timing: Literal["before", "after"]
    servers: list[Id] = Field(default_factory=list, max_length=100)
    sequence: int | None = Field(default=None, ge=1, le=1000)


class HookUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    script: str | None = Field(default=None, min_length=1, max_length=65536)
    runAs: str | None = Field(default=None, min_length=1, max_length=32)
    actionId: int | None = Field(default=None, ge=1, le=4)
    timing: Literal["before", "after"] | None = None
    servers: list[Id] | None = Field(default=None, max_length=100)
    sequence: int | None = Field(default=None, ge=1, le=1000)


class HookRead(BaseModel):
    id: int
    user_id: int
    project_id: int
    action_id: int
    timing: str
    name: str
    run_as: str
    script: str
    sequence: int
    servers: list[int]
    created_at: datetime
    updated_at: datetime


class HookEnvelope(BaseModel):
    hook: HookRead


class HookList(BaseModel):
    """Grouped as Envoyer prints them: one list per action that has hooks, in action order."""

    hooks: list[list[HookRead]]
