"""Agent <-> server messages (HTTP + JSON), the Python form of Woodpecker's `rpc.Peer` contract.

The agent never sees YAML: the server compiles a workflow into stages of steps; stages run in
sequence, the steps of one stage in parallel. Every call carries the agent's token as a Bearer
header; the server answers 409 for a workflow the agent no longer holds (its lease was lost).
"""

from __future__ import annotations

from enum import IntEnum

from pydantic import BaseModel, Field

# Bumped on any incompatible change; the server refuses agents that speak another version.
PROTOCOL_VERSION = 1


class AgentInfo(BaseModel):
    """What an agent tells the server when it starts (RegisterAgent)."""

    protocol_version: int = PROTOCOL_VERSION
    hostname: str = Field(default="", max_length=255)
    platform: str = Field(default="", max_length=64)
    backend: str = Field(default="local", max_length=32)
    capacity: int = Field(default=1, ge=1, le=1000)
    version: str = Field(default="", max_length=64)
    custom_labels: dict[str, str] = Field(default_factory=dict)


class Registered(BaseModel):
    agent_id: int
    lease_seconds: float
    poll_seconds: float


class NextRequest(BaseModel):
    """A long poll for work; `labels` are the agent's own (the server adds `org-id`); `runner` is
    which of the agent's runner loops polls (the server counts idle runners by it)."""

    labels: dict[str, str] = Field(default_factory=dict)
    runner: int = Field(default=0, ge=0, le=1000)


class StepSpec(BaseModel):
    """One step as a backend runs it."""

    name: str
    uuid: str
    pid: int
    type: str  # clone | service | plugin | commands | cache
    image: str = ""
    commands: list[str] = Field(default_factory=list)
    entrypoint: list[str] = Field(default_factory=list)
    environment: dict[str, str] = Field(default_factory=dict)
    working_dir: str = ""
    detach: bool = False
    on_success: bool = True
    on_failure: bool = False
    failure: str = "fail"  # fail | ignore | cancel
    timeout_seconds: int = 0


class WorkflowTask(BaseModel):
    """The answer to `next`: one workflow to run, compiled, with the values to mask in its logs."""

    id: int
    name: str
    timeout_seconds: int
    lease_seconds: float
    stages: list[list[StepSpec]]
    mask: list[str] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)


class WorkflowState(BaseModel):
    started: int = 0
    finished: int = 0
    error: str = ""
    canceled: bool = False


class StepState(BaseModel):
    step_uuid: str
    started: int = 0
    finished: int = 0
    exited: bool = False
    exit_code: int = 0
    error: str = ""
    canceled: bool = False
    skipped: bool = False


class LogType(IntEnum):
    STDOUT = 0
    STDERR = 1
    EXIT_CODE = 2
    METADATA = 3
    PROGRESS = 4


class LogEntry(BaseModel):
    """One line: `time` is seconds since the step started, `line` its number within the step."""

    step_uuid: str
    time: int = 0
    line: int
    type: LogType = LogType.STDOUT
    data: str


class WaitResult(BaseModel):
    """`canceled`: stop at once; `done`: the workflow is over server-side (nothing to wait for)."""

    canceled: bool = False
    done: bool = False
