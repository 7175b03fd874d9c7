"""Daemons: long-running processes kept alive by supervisor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, utcnow
from shipyard.servers.models import OnServer


class Daemon(OnServer, Base):
    __tablename__ = "daemons"

    command: Mapped[str] = mapped_column(Text)
    user: Mapped[str] = mapped_column(String(32))
    directory: Mapped[str | None] = mapped_column(String(255))
    processes: Mapped[int] = mapped_column(Integer, default=1)
    startsecs: Mapped[int] = mapped_column(Integer, default=1)
    stopwaitsecs: Mapped[int] = mapped_column(Integer, default=10)
    stopsignal: Mapped[str] = mapped_column(String(16), default="SIGTERM")
    status: Mapped[str] = mapped_column(String(16), default="installing")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
