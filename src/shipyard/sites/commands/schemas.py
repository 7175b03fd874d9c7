"""Forge's site command bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.core.formats import ForgeDateTime

MAX_COMMAND = 65536


class CommandCreate(BaseModel):
    command: str = Field(min_length=1, max_length=MAX_COMMAND, description="run by bash as the site user")


class CommandRead(BaseModel):
    id: int
    server_id: int
    site_id: int
    user_id: int | None
    event_id: int | None
    command: str
    status: str
    created_at: ForgeDateTime
    updated_at: ForgeDateTime
    profile_photo_url: str | None
    user_name: str | None


class CommandEnvelope(BaseModel):
    command: CommandRead


class CommandWithOutput(BaseModel):
    command: CommandRead
    output: str


class CommandList(BaseModel):
    commands: list[CommandRead]
