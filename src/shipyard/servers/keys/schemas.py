"""Forge's SSH key bodies: the key goes in, and never comes back out."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.core.formats import ForgeDateTime


class SshKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    key: str = Field(min_length=1, max_length=20000)
    username: str = Field(default="forge", max_length=64)


class SshKeyRead(BaseModel):
    id: int
    name: str
    username: str
    status: str
    created_at: ForgeDateTime


class SshKeyEnvelope(BaseModel):
    key: SshKeyRead


class SshKeyList(BaseModel):
    keys: list[SshKeyRead]
