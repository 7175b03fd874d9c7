"""Daemons: long-running processes kept alive by supervisor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, utcnow


class Daemon(Base):
    __tablename__ = "daemons"

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    command: Mapped[str] = mapped_column(Text)
    user: Mapped[str] = mapped_column(String(32))
    directory: Mapped[str | None] = mapped_column(String(255))
    processes: Mapped[int] = mapped_column(Integer, default=1)
    startsecs: Mapped[int] = mapped_column(Integer, default=1)
    stopwaitsecs: Mapped[int] = mapped_column(Integer, default=10)
    stopsignal: Mapped[str] = mapped_column(String(16), default="SIGTERM")
    status: Mapped[str] = mapped_column(String(16), default="installing")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
