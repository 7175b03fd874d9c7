"""Forge's git and deploy key bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.hostops.git import MAX_URL


class GitInstall(BaseModel):
    provider: str = Field(max_length=16, description="github, gitlab, gitlab-custom, bitbucket or custom")
    repository: str = Field(
        min_length=1, max_length=MAX_URL, description="user/repository, or any git URL for custom providers"
    )
    branch: str = Field(default="main", min_length=1, max_length=255)
    composer: bool = Field(default=True, description="run composer install when the app has a composer.json")


class GitUpdate(BaseModel):
    provider: str | None = Field(default=None, max_length=16)
    repository: str | None = Field(default=None, min_length=1, max_length=MAX_URL)
    branch: str | None = Field(default=None, min_length=1, max_length=255)


class DeployKey(BaseModel):
    key: str = Field(description="the public key to add to the repository as a deploy key")
