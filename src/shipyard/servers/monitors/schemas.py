"""Forge's monitor bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.core.formats import ForgeDateTime

OPERATORS = ("gte", "lte")
MAX_MINUTES = 1440


class MonitorCreate(BaseModel):
    type: str = Field(max_length=32, description="disk, used_memory, free_memory or cpu_load")
    operator: str = Field(max_length=8, description="gte (greater than or equal to) or lte")
    threshold: float = Field(allow_inf_nan=False, description="a percentage")
    minutes: int = Field(default=0, ge=0, le=MAX_MINUTES, description="how long the condition must hold")
    notify: str = Field(max_length=255, description="the e-mail address told of every state change")


class MonitorRead(BaseModel):
    id: int
    status: str
    type: str
    operator: str
    threshold: int | float
    minutes: int
    notify: str
    state: str
    state_changed_at: ForgeDateTime


class MonitorEnvelope(BaseModel):
    monitor: MonitorRead


class MonitorList(BaseModel):
    monitors: list[MonitorRead]
