"""Woodpecker's Repo, Perm, Org and OrgPerm shapes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Visibility = Literal["public", "private", "internal"]
ApprovalMode = Literal["none", "forks", "pull_requests", "all_events"]
EVENTS = (
    "push",
    "pull_request",
    "pull_request_closed",
    "pull_request_metadata",
    "tag",
    "release",
    "deployment",
    "cron",
    "manual",
)
Event = Literal[
    "push",
    "pull_request",
    "pull_request_closed",
    "pull_request_metadata",
    "tag",
    "release",
    "deployment",
    "cron",
    "manual",
]


class Trusted(BaseModel):
    network: bool = False
    volumes: bool = False
    security: bool = False


class TrustedPatch(BaseModel):
    network: bool | None = None
    volumes: bool | None = None
    security: bool | None = None


class RepoOut(BaseModel):
    id: int
    forge_id: int
    forge_remote_id: str
    org_id: int
    owner: str
    name: str
    full_name: str
    avatar_url: str
    forge_url: str
    clone_url: str
    clone_url_ssh: str
    default_branch: str
    pr_enabled: bool
    timeout: int
    visibility: str
    private: bool
    trusted: Trusted
    require_approval: str
    approval_allowed_users: list[str]
    active: bool
    allow_pr: bool
    allow_deploy: bool
    config_file: str
    cancel_previous_pipeline_events: list[str]
    netrc_trusted: list[str]
    config_extension_endpoint: str = ""
    config_extension_exclusive: bool = False
    config_extension_netrc: bool = False
    registry_extension_endpoint: str = ""
    registry_extension_netrc: bool = False
    secret_extension_endpoint: str = ""
    secret_extension_netrc: bool = False
    has_forge_name_conflict: bool = False
    has_no_forge_repo: bool = False


class RepoPatch(BaseModel):
    """Every field optional: only those sent change."""

    config_file: str | None = Field(default=None, max_length=500)
    timeout: int | None = Field(default=None, ge=1, le=1440)
    visibility: Visibility | None = None
    trusted: TrustedPatch | None = None
    require_approval: ApprovalMode | None = None
    approval_allowed_users: list[str] | None = None
    allow_pr: bool | None = None
    allow_deploy: bool | None = None
    cancel_previous_pipeline_events: list[Event] | None = None
    netrc_trusted: list[str] | None = None


class Perm(BaseModel):
    pull: bool
    push: bool
    admin: bool
    synced: int = 0
    created: int = 0
    updated: int = 0


class OrgOut(BaseModel):
    id: int
    forge_id: int
    name: str
    is_user: bool


class OrgPerm(BaseModel):
    member: bool
    admin: bool


class PullRequestOut(BaseModel):
    index: str
    title: str
