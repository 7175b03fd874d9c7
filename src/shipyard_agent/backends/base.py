"""The backend interface (Woodpecker's: set up a workflow, start/wait/kill steps, destroy).

Lifecycle: `setup` once per workflow, then `start` and `wait` per step (steps of one stage run
concurrently), `kill` on cancel or timeout, and `destroy` at the end, which must be safe to
call even after a failed setup and must leave no process of the workflow running.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shipyard_protocol import StepSpec, WorkflowTask

# Receives each output line of a step (stdout and stderr merged).
LineSink = Callable[[str], None]


@dataclass
class WorkflowContext:
    task: WorkflowTask
    root: Path | None = None
    workspace: Path | None = None
    home: Path | None = None
    handles: list[StepHandle] = field(default_factory=list)


@dataclass
class StepHandle:
    step: StepSpec
    native: Any = None


class StepError(Exception):
    """The step could not be started (an unsupported type, a missing binary)."""


class Backend(ABC):
    name: str

    @abstractmethod
    def describe(self) -> str:
        """One line on the isolation this backend gives steps."""

    @abstractmethod
    async def setup(self, task: WorkflowTask) -> WorkflowContext: ...

    @abstractmethod
    async def start(
        self, ctx: WorkflowContext, step: StepSpec, env: dict[str, str], sink: LineSink
    ) -> StepHandle:
        """Start the step; raises StepError if it cannot run here."""

    @abstractmethod
    async def wait(self, handle: StepHandle) -> int:
        """The step's exit code once its output is drained."""

    @abstractmethod
    async def kill(self, handle: StepHandle) -> None: ...

    @abstractmethod
    async def destroy(self, ctx: WorkflowContext) -> None: ...
