"""Woodpecker's Secret and Registry shapes; values and passwords are write-only."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.ci.repos.schemas import Event


class SecretOut(BaseModel):
    id: int
    org_id: int
    repo_id: int
    name: str
    value: str = ""
    images: list[str]
    events: list[str]
    note: str


class SecretCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    value: str = Field(min_length=1, max_length=65536)
    images: list[str] = Field(default_factory=list, max_length=100)
    events: list[Event] = Field(default_factory=list)
    note: str = Field(default="", max_length=1000)


class SecretPatch(BaseModel):
    name: str | None = Field(default=None, max_length=255)
    value: str | None = Field(default=None, max_length=65536)
    images: list[str] | None = Field(default=None, max_length=100)
    events: list[Event] | None = None
    note: str | None = Field(default=None, max_length=1000)


class RegistryOut(BaseModel):
    id: int
    org_id: int
    repo_id: int
    address: str
    username: str
    password: str = ""
    readonly: bool


class RegistryCreate(BaseModel):
    address: str = Field(min_length=1, max_length=255)
    username: str = Field(default="", max_length=255)
    password: str = Field(default="", max_length=65536)


class RegistryPatch(BaseModel):
    address: str | None = Field(default=None, max_length=255)
    username: str | None = Field(default=None, max_length=255)
    password: str | None = Field(default=None, max_length=65536)
