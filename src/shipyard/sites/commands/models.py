"""Site commands: a user's command, run once as the site user in the site's directory."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, utcnow
from shipyard.servers.models import OnServer


class SiteCommand(OnServer, Base):
    __tablename__ = "site_commands"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    command: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="waiting")  # running, finished, failed
    event_id: Mapped[int | None] = mapped_column(ForeignKey("server_events.id", ondelete="SET NULL"))
    output: Mapped[str | None] = mapped_column(Text, deferred=True)  # once it has ended
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
