"""Woodpecker's Pipeline, Workflow, Step, Feed, Config and PipelineOptions shapes."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class StepOut(BaseModel):
    id: int
    uuid: str
    pipeline_id: int
    pid: int
    ppid: int
    name: str
    state: str
    error: str
    exit_code: int
    started: int
    finished: int
    type: str


class WorkflowOut(BaseModel):
    id: int
    pipeline_id: int
    pid: int
    name: str
    state: str
    error: str
    started: int
    finished: int
    agent_id: int
    platform: str
    environ: dict[str, str]
    children: list[StepOut]


class PipelineErrorOut(BaseModel):
    type: str
    message: str
    is_warning: bool
    data: Any = None


class CancelInfo(BaseModel):
    canceled_by_user: str = ""
    superseded_by: int = 0
    canceled_by_step: str = ""


class Release(BaseModel):
    title: str = ""
    is_prerelease: bool = False


class PipelineOut(BaseModel):
    id: int
    number: int
    parent: int
    event: str
    event_reason: list[str]
    status: str
    errors: list[PipelineErrorOut]
    created: int
    updated: int
    started: int
    finished: int
    deploy_to: str
    deploy_task: str
    commit: str
    branch: str
    ref: str
    refspec: str
    title: str
    message: str
    timestamp: int
    sender: str
    author: str
    author_avatar: str
    author_email: str
    forge_url: str
    reviewed_by: str
    reviewed: int
    cancel_info: CancelInfo
    workflows: list[WorkflowOut]
    changed_files: list[str]
    variables: dict[str, str]
    pr_labels: list[str]
    pr_milestone: str
    pr_draft: bool
    cron: str
    from_fork: bool
    release: Release
    is_prerelease: bool
    tag_title: str
    rerun_count: int
    version: str


class FeedOut(BaseModel):
    repo_id: int
    full_name: str
    id: int
    number: int
    event: str
    status: str
    created: int
    started: int
    finished: int
    commit: str
    branch: str
    ref: str
    refspec: str
    title: str
    message: str
    author: str
    author_avatar: str
    author_email: str
    release: Release
    tag_title: str


class PipelineOptions(BaseModel):
    branch: str = Field(default="", max_length=255)
    message: str = Field(default="", max_length=1000)
    variables: dict[str, str] = Field(default_factory=dict)


class ConfigOut(BaseModel):
    hash: str
    name: str
    data: str  # base64, as Woodpecker's []byte
