"""`@job` declares a long action; the registry maps job names to their functions and policy."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

JobFunction = Callable[..., Awaitable[dict[str, Any] | None]]


class JobFailed(Exception):
    """Raised by a job to fail at once, without retries: retrying cannot help (a missing setting, say)."""


@dataclass(frozen=True)
class JobSpec:
    name: str
    function: JobFunction
    timeout: float
    max_attempts: int
    idempotent: bool
    every: Callable[[], float] | None = None

    @property
    def recurring(self) -> bool:
        return self.every is not None


_registry: dict[str, JobSpec] = {}


def job(
    name: str,
    *,
    timeout: float = 900,
    max_attempts: int = 3,
    idempotent: bool = True,
    every: Callable[[], float] | None = None,
) -> Callable[[JobFunction], JobFunction]:
    """Register `async def fn(ctx: JobContext, **args)` under `name`.

    Only idempotent jobs are retried after a crash or a lost lease; the others fail instead.
    With `every` (seconds, read at each scheduling) the job is recurring: it takes no arguments,
    workers keep one run of it queued, and a run that fails is not retried: the next run is.
    """

    def register(function: JobFunction) -> JobFunction:
        if name in _registry and _registry[name].function is not function:
            raise RuntimeError(f"job {name!r} registered twice")
        attempts = 1 if every is not None or not idempotent else max_attempts
        _registry[name] = JobSpec(name, function, timeout, attempts, idempotent, every)
        return function

    return register


def get_spec(name: str) -> JobSpec | None:
    return _registry.get(name)


def recurring_specs() -> list[JobSpec]:
    """The registered jobs declared with `every`."""
    return [spec for spec in _registry.values() if spec.recurring]


def load_job_modules(modules: list[str]) -> None:
    """Import the modules whose `@job`s a worker runs (their decorators fill the registry)."""
    for module in modules:
        importlib.import_module(module)
