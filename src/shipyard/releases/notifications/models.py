"""Notifications: where a project's events are announced (an e-mail address or a chat webhook)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, Timestamps
from shipyard.core.secrets import EncryptedString


class Notification(Timestamps, Base):
    __tablename__ = "project_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    # email, slack, discord or teams
    type: Mapped[str] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(255))
    # A chat webhook's URL is its credential: encrypted at rest, shown masked.
    webhook: Mapped[str | None] = mapped_column(EncryptedString(4096))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
