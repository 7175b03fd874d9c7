"""Monitors: a metric of a server, a condition on it, and who to e-mail when its state changes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, utcnow
from shipyard.servers.models import OnServer


class MonitorState:
    OK = "OK"
    ALERT = "ALERT"


class Monitor(OnServer, Base):
    __tablename__ = "monitors"

    type: Mapped[str] = mapped_column(String(16))
    operator: Mapped[str] = mapped_column(String(8))
    threshold: Mapped[float] = mapped_column(Float)
    minutes: Mapped[int] = mapped_column(Integer)
    notify: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="installed")
    state: Mapped[str] = mapped_column(String(8), default=MonitorState.OK)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonitorSample(Base):
    """One reading of a monitored server; kept only as long as its longest monitor window."""

    __tablename__ = "monitor_samples"
    __table_args__ = (Index("ix_monitor_samples_server_taken", "server_id", "taken_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)
    disk: Mapped[float] = mapped_column(Float)
    used_memory: Mapped[float] = mapped_column(Float)
    free_memory: Mapped[float] = mapped_column(Float)
    cpu_load: Mapped[float] = mapped_column(Float)
