"""Heartbeats: a URL a cron job or a daemon requests at least once per interval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, Timestamps
from shipyard.core.secrets import EncryptedString


class HeartbeatStatus:
    HEALTHY = "healthy"
    MISSING = "missing"


class Heartbeat(Timestamps, Base):
    __tablename__ = "project_heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    # The check-in URL's secret: shown to the owner, looked up by its hash.
    token: Mapped[str] = mapped_column(EncryptedString(512))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Minutes: 10, 30, 60, 1440, 10080 or 44640.
    interval: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=HeartbeatStatus.HEALTHY, index=True)
    last_checked_in_at: Mapped[datetime | None]
