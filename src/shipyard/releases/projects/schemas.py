"""Envoyer's project bodies (snake_case) and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shipyard.releases.servers.schemas import ServerRead

PROVIDERS = ("github", "gitlab", "gitlab-self", "bitbucket", "custom")
TYPES = ("laravel-5", "laravel-4", "other")
Provider = Literal["github", "gitlab", "gitlab-self", "bitbucket", "custom"]
ProjectType = Literal["laravel-5", "laravel-4", "other"]


class ProjectCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    provider: Provider
    repository: str = Field(min_length=1, max_length=512)
    branch: str = Field(default="main", min_length=1, max_length=255)
    type: ProjectType = "laravel-5"
    retain_deployments: int = Field(default=5, ge=1, le=50)
    monitor: str | None = Field(default=None, max_length=2048)
    composer: bool = True
    composer_dev: bool = False
    composer_quiet: bool = False
    push_to_deploy: bool = False
    health_url: str | None = Field(default=None, max_length=2048)
    health_window: int = Field(default=10, ge=1, le=600)


class ProjectUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    retain_deployments: int | None = Field(default=None, ge=1, le=50)
    monitor: str | None = Field(default=None, max_length=2048)
    composer: bool | None = None
    composer_dev: bool | None = None
    composer_quiet: bool | None = None
    health_url: str | None = Field(default=None, max_length=2048)
    health_window: int | None = Field(default=None, ge=1, le=600)


class SourceUpdate(BaseModel):
    provider: Provider
    repository: str = Field(min_length=1, max_length=512)
    branch: str = Field(default="main", min_length=1, max_length=255)
    push_to_deploy: bool = False


class Folder(BaseModel):
    from_: str = Field(alias="from", min_length=1, max_length=255)
    to: str = Field(min_length=1, max_length=255)

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class FolderList(BaseModel):
    folders: list[Folder]


class ProjectRead(BaseModel):
    id: int
    user_id: int
    version: int
    name: str
    provider: str
    plain_repository: str
    repository: str
    type: str
    branch: str
    push_to_deploy: bool
    webhook_id: int | None
    status: str | None
    should_deploy_again: int
    deployment_started_at: datetime | None
    deployment_finished_at: datetime | None
    last_deployment_status: str | None
    daily_deploys: int
    weekly_deploys: int
    last_deployment_took: int | None
    retain_deployments: int
    environment_servers: list[int]
    folders: list[Folder]
    monitor: str | None
    new_york_status: str | None
    london_status: str | None
    singapore_status: str | None
    token: str
    created_at: datetime
    updated_at: datetime
    install_dev_dependencies: bool
    install_dependencies: bool
    quiet_composer: bool
    servers: list[ServerRead]
    has_environment: bool
    has_monitoring_error: bool
    has_missing_heartbeats: bool
    last_deployed_branch: str | None
    last_deployment_id: int | None
    last_deployment_author: str | None
    last_deployment_avatar: str | None
    last_deployment_hash: str
    last_deployment_timestamp: str | None
    # Beyond Envoyer: the health-gated activation.
    health_url: str | None
    health_window: int


class ProjectEnvelope(BaseModel):
    project: ProjectRead


class ProjectList(BaseModel):
    projects: list[ProjectRead]
