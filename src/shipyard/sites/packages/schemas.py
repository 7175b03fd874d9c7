"""Forge's composer packages authentication bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

MAX_CREDENTIALS = 50


class Credential(BaseModel):
    repository_url: str = Field(
        min_length=1, max_length=255, description="the repository's host, e.g. packages.laravel.com"
    )
    username: str = Field(min_length=1, max_length=255)
    password: str = Field(min_length=1, max_length=1024, description="written to auth.json, never returned")


class PackagesUpdate(BaseModel):
    credentials: list[Credential] = Field(max_length=MAX_CREDENTIALS)


class HttpBasic(BaseModel):
    username: str
    password: None = Field(default=None, description="never returned")


class CredentialsRead(BaseModel):
    http_basic: dict[str, HttpBasic] = Field(alias="http-basic", serialization_alias="http-basic")


class PackagesRead(BaseModel):
    credentials: CredentialsRead
