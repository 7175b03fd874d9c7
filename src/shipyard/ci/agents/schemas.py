"""Woodpecker's Agent and Task shapes."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AgentOut(BaseModel):
    id: int
    created: int
    updated: int
    name: str
    owner_id: int
    org_id: int
    token: str
    last_contact: int
    last_work: int
    platform: str
    backend: str
    capacity: int
    version: str
    no_schedule: bool
    custom_labels: dict[str, str]


class AgentCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    no_schedule: bool = False
    custom_labels: dict[str, str] = Field(default_factory=dict)


class AgentPatch(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    no_schedule: bool | None = None
    custom_labels: dict[str, str] | None = None


class TaskOut(BaseModel):
    id: str
    pid: int
    name: str
    labels: dict[str, str]
    dependencies: list[str]
    run_on: list[str]
    dep_status: dict[str, str]
    agent_id: int
    pipeline_id: int
    repo_id: int
    concurrency_limit: int = 0
    concurrency_group: str = ""
    created: int


class QueueTaskOut(TaskOut):
    pipeline_number: int
    agent_name: str


class QueueStats(BaseModel):
    worker_count: int
    pending_count: int
    waiting_on_deps_count: int
    running_count: int


class QueueInfoOut(BaseModel):
    pending: list[QueueTaskOut]
    waiting_on_deps: list[QueueTaskOut]
    running: list[QueueTaskOut]
    stats: QueueStats
    paused: bool
