"""The versioned wire format between the Shipyard server and its CI agents (nothing else is shared)."""

from shipyard_protocol.models import (
    PROTOCOL_VERSION,
    AgentInfo,
    LogEntry,
    LogType,
    NextRequest,
    Registered,
    StepSpec,
    StepState,
    WaitResult,
    WorkflowState,
    WorkflowTask,
)

__all__ = [
    "PROTOCOL_VERSION",
    "AgentInfo",
    "LogEntry",
    "LogType",
    "NextRequest",
    "Registered",
    "StepSpec",
    "StepState",
    "WaitResult",
    "WorkflowState",
    "WorkflowTask",
]
