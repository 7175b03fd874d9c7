"""Queue workers of a site."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shipyard.core.db import Base, utcnow
from shipyard.servers.models import OnServer
from shipyard.sites.models import Site


class Worker(OnServer, Base):
    __tablename__ = "site_workers"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    connection: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(1040))
    timeout: Mapped[int] = mapped_column(Integer)
    sleep: Mapped[int] = mapped_column(Integer)
    tries: Mapped[int | None] = mapped_column(Integer)
    processes: Mapped[int] = mapped_column(Integer)
    stopwaitsecs: Mapped[int] = mapped_column(Integer)
    environment: Mapped[str | None] = mapped_column(String(64))
    php_version: Mapped[str] = mapped_column(String(16))  # Forge's name (php82), or "php": the CLI default
    daemon: Mapped[bool] = mapped_column(Boolean)
    force: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), default="installing")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship(lazy="raise")
