"""Webhooks: URLs that receive a POST with the result of each deployment of the site."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, utcnow
from shipyard.servers.models import OnServer


class SiteWebhook(OnServer, Base):
    __tablename__ = "site_webhooks"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
