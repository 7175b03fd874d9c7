"""Backends run steps. Only `local` exists; a container or cluster backend implements `Backend` too."""

from __future__ import annotations

from shipyard_agent.backends.base import Backend, LineSink, StepHandle, WorkflowContext

__all__ = ["Backend", "LineSink", "StepHandle", "WorkflowContext"]
