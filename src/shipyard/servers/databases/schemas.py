"""Forge's database and database user bodies (also those of the deprecated `/mysql` endpoints).

Passwords go in and never come back out.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.core.formats import ForgeDateTime, Id


class DatabaseCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    # Optional: a new user with access to the new database.
    user: str | None = Field(default=None, max_length=255)
    password: str | None = Field(default=None, max_length=1000)


class DatabaseRead(BaseModel):
    id: int
    name: str
    status: str
    created_at: ForgeDateTime


class DatabaseEnvelope(BaseModel):
    database: DatabaseRead


class DatabaseList(BaseModel):
    databases: list[DatabaseRead]


class DatabaseUserCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    password: str = Field(max_length=1000)
    databases: list[Id] = Field(default_factory=list, max_length=1000)


class DatabaseUserUpdate(BaseModel):
    # The PHP SDK's form encoding drops an empty list, so a missing `databases` means none.
    databases: list[Id] = Field(default_factory=list, max_length=1000)


class DatabaseUserRead(BaseModel):
    id: int
    name: str
    status: str
    created_at: ForgeDateTime
    databases: list[int]


class DatabaseUserEnvelope(BaseModel):
    user: DatabaseUserRead


class DatabaseUserList(BaseModel):
    users: list[DatabaseUserRead]
