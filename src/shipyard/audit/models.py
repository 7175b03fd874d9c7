"""The audit trail: who did what, when, through which token or dashboard session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, utcnow


class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    sudoer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    token_id: Mapped[int | None] = mapped_column(ForeignKey("access_tokens.id", ondelete="SET NULL"))
    ip: Mapped[str | None] = mapped_column(String(64))
    # The dashboard session (web_sessions.id); no foreign key, so it outlives the sign-out.
    session_id: Mapped[int | None] = mapped_column(default=None)
    action: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str | None] = mapped_column(String(255))
    status_code: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
