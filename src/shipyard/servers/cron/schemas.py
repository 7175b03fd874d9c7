"""Forge's scheduled job bodies."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from shipyard.core.formats import ForgeDateTime


def _as_text(value: Any) -> Any:
    """Cron fields may arrive as JSON numbers (`"minute": 5`); they are text like the rest."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


CronField = Annotated[Annotated[str, Field(max_length=64)] | None, BeforeValidator(_as_text)]


class JobCreate(BaseModel):
    command: str = Field(min_length=1, max_length=1000)
    frequency: str = Field(max_length=16)
    user: str | None = Field(default=None, max_length=32)
    minute: CronField = None
    hour: CronField = None
    day: CronField = None
    month: CronField = None
    weekday: CronField = None


class JobRead(BaseModel):
    id: int
    command: str
    user: str
    frequency: str
    cron: str
    status: str
    created_at: ForgeDateTime
    next_run_time: ForgeDateTime | None = Field(
        description="When cron next runs the job in the server's timezone, given in UTC (null for reboot)."
    )


class JobEnvelope(BaseModel):
    job: JobRead


class JobList(BaseModel):
    jobs: list[JobRead]


class JobOutput(BaseModel):
    output: str
