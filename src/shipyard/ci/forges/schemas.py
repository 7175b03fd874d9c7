"""Woodpecker's Forge shapes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

ForgeType = Literal["git", "github", "gitlab", "gitea", "forgejo", "bitbucket", "bitbucket-dc", "addon"]


class ForgeOut(BaseModel):
    id: int
    type: str
    url: str
    client: str
    skip_verify: bool
    oauth_host: str
    orgs: list[str]
    additional_options: dict[str, Any]


class ForgeCreate(BaseModel):
    type: ForgeType
    url: str = Field(default="", max_length=500)
    client: str = Field(default="", max_length=255)
    oauth_client_secret: str = Field(default="", max_length=2048)
    skip_verify: bool = False
    oauth_host: str = Field(default="", max_length=500)
    orgs: list[str] = Field(default_factory=list, max_length=100)
    additional_options: dict[str, Any] = Field(default_factory=dict)


class ForgePatch(BaseModel):
    type: ForgeType | None = None
    url: str | None = Field(default=None, max_length=500)
    client: str | None = Field(default=None, max_length=255)
    oauth_client_secret: str | None = Field(default=None, max_length=2048)
    skip_verify: bool | None = None
    oauth_host: str | None = Field(default=None, max_length=500)
    orgs: list[str] | None = Field(default=None, max_length=100)
    additional_options: dict[str, Any] | None = None
