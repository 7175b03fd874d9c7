"""`@job` declares a long action; the registry maps job names to their functions and policy."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

JobFunction = Callable[..., Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class JobSpec:
    name: str
    function: JobFunction
    timeout: float
    max_attempts: int
    idempotent: bool


_registry: dict[str, JobSpec] = {}


def job(
    name: str, *, timeout: float = 900, max_attempts: int = 3, idempotent: bool = True
) -> Callable[[JobFunction], JobFunction]:
    """Register `async def fn(ctx: JobContext, **args)` under `name`.

    Only idempotent jobs are retried after a crash or a lost lease; the others fail instead.
    """

    def register(function: JobFunction) -> JobFunction:
        if name in _registry and _registry[name].function is not function:
            raise RuntimeError(f"job {name!r} registered twice")
        _registry[name] = JobSpec(name, function, timeout, max_attempts if idempotent else 1, idempotent)
        return function

    return register


def get_spec(name: str) -> JobSpec | None:
    return _registry.get(name)


def load_job_modules(modules: list[str]) -> None:
    """Import the modules whose `@job`s a worker runs (their decorators fill the registry)."""
    for module in modules:
        importlib.import_module(module)
