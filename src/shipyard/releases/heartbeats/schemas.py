"""Envoyer's heartbeat bodies and responses."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

# Envoyer's intervals, in minutes: 10 and 30 minutes, an hour, a day, a week, a month.
INTERVALS = (10, 30, 60, 1440, 10080, 44640)


class HeartbeatCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    interval: int = Field(description="minutes: one of 10, 30, 60, 1440, 10080, 44640")


class HeartbeatRead(BaseModel):
    id: int
    project_id: int
    name: str
    token: str
    interval: int
    status: str
    last_checked_in_at: datetime | None
    created_at: datetime
    updated_at: datetime


class HeartbeatEnvelope(BaseModel):
    heartbeat: HeartbeatRead


class HeartbeatList(BaseModel):
    heartbeats: list[HeartbeatRead]


class CheckIn(BaseModel):
    status: str
    last_checked_in_at: datetime
