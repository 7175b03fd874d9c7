"""Scheduled jobs (Forge's "jobs"): commands that cron runs on the host as a user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, utcnow
from shipyard.servers.models import OnServer


class ScheduledJob(OnServer, Base):
    __tablename__ = "scheduled_jobs"

    command: Mapped[str] = mapped_column(Text)
    user: Mapped[str] = mapped_column(String(32))
    frequency: Mapped[str] = mapped_column(String(16))
    cron: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="installing")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
