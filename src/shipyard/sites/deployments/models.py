"""Deployments: one run of a site's deployment script, with the commit it left the site at."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, utcnow
from shipyard.servers.models import OnServer


class SiteDeployment(OnServer, Base):
    __tablename__ = "site_deployments"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    type: Mapped[int] = mapped_column(Integer)  # deployments.service.TRIGGERS
    status: Mapped[str] = mapped_column(String(16), default="queued")  # deploying, finished, failed
    commit_hash: Mapped[str | None] = mapped_column(String(64))
    commit_author: Mapped[str | None] = mapped_column(String(255))
    commit_message: Mapped[str | None] = mapped_column(Text)
    # The job that runs it, and the server event its output streams into while it runs.
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("server_events.id", ondelete="SET NULL"))
    output: Mapped[str | None] = mapped_column(Text, deferred=True)  # once it has ended
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
