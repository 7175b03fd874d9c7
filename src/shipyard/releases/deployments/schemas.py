"""Envoyer's deployment bodies and responses."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from shipyard.core.db import MAX_ID
from shipyard.releases.projects.schemas import ProjectRead


class DeployRequest(BaseModel):
    from_: Literal["default", "branch", "tag"] = Field(default="default", alias="from")
    branch: str | None = Field(default=None, max_length=255)
    tag: str | None = Field(default=None, max_length=255)

    model_config = {"populate_by_name": True}


class RollbackRequest(BaseModel):
    # The successful deployment whose release to make live again; default: the one before the live one.
    deployment_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class ProcessRead(BaseModel):
    id: int
    deployment_id: int
    project_id: int
    server_id: int | None
    server_name: str
    sequence: int
    name: str
    action_id: int | None
    hook_id: int | None
    status: str
    output: str
    started_at: int | None
    finished_at: int | None
    created_at: datetime
    updated_at: datetime
    server: None = None


class DeploymentRead(BaseModel):
    id: int
    project_id: int
    user_id: int | None
    commit_branch: str | None
    commit_hash: str | None
    commit_author: str | None
    commit_avatar: str | None
    commit_message: str | None
    status: str
    # Beyond Envoyer: why a deployment failed, and the release it built or switched to.
    reason: str | None
    release: str | None
    created_at: datetime
    updated_at: datetime


class DeploymentDetail(DeploymentRead):
    processes: list[ProcessRead]
    project: ProjectRead


class DeploymentEnvelope(BaseModel):
    deployment: DeploymentDetail


class DeploymentCreated(BaseModel):
    deployment: DeploymentRead


class DeploymentList(BaseModel):
    deployments: list[DeploymentRead]


class RollbackCreated(BaseModel):
    deployment: DeploymentRead
    # Beyond Envoyer: what the rollback does not undo (the app's migrations that differ).
    warnings: list[str]


class DeployHookAnswer(BaseModel):
    """The deploy URL's answer: the deployment it queued, or why it ignored the request."""

    message: str
    deployment: DeploymentRead | None
