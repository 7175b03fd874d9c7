"""Which integration of a site is on: the daemon or scheduled job that runs it, and its settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, utcnow
from shipyard.core.secrets import EncryptedString


class Integration(Base):
    __tablename__ = "site_integrations"
    __table_args__ = (UniqueConstraint("site_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # horizon, octane, ..., laravel-scheduler
    # The server daemon (horizon...) or scheduled job (the scheduler) that runs it: when that goes,
    # whichever way, the integration is off.
    daemon_id: Mapped[int | None] = mapped_column(ForeignKey("daemons.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("scheduled_jobs.id", ondelete="CASCADE"), index=True
    )
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Maintenance mode while `artisan down/up` is queued: enabling or disabling (None otherwise).
    status: Mapped[str | None] = mapped_column(String(16))
    # The bypass secret of a queued `artisan down`, until the job has run it.
    secret: Mapped[str | None] = mapped_column(EncryptedString(512))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
