"""Forge's deployment bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.core.formats import ForgeDateTime

MAX_SCRIPT = 65536
MAX_EMAILS = 20


class DeploymentScript(BaseModel):
    content: str = Field(min_length=1, max_length=MAX_SCRIPT, description="the deployment script")
    auto_source: bool | None = Field(
        default=None, description="source the site's .env into the script's environment"
    )


class FailureEmails(BaseModel):
    emails: list[str] = Field(max_length=MAX_EMAILS)


class DeploymentRead(BaseModel):
    id: int
    server_id: int
    site_id: int
    type: int
    commit_hash: str | None
    commit_author: str | None
    commit_message: str | None
    started_at: ForgeDateTime | None
    ended_at: ForgeDateTime | None
    status: str
    displayable_type: str


class DeploymentEnvelope(BaseModel):
    deployment: DeploymentRead


class DeploymentList(BaseModel):
    deployments: list[DeploymentRead]


class DeploymentOutput(BaseModel):
    output: str


class DeployHookAnswer(BaseModel):
    message: str
    deployment_id: int | None = Field(description="the deployment queued, or null when none was")
