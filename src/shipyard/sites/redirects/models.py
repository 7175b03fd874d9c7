"""Redirect rules: a path of a site that nginx answers with a 301 or 302."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shipyard.core.db import Base, utcnow
from shipyard.servers.models import OnServer
from shipyard.sites.models import Site


class RedirectRule(OnServer, Base):
    __tablename__ = "redirect_rules"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(2048))  # Forge's `from`
    target: Mapped[str] = mapped_column(String(2048))  # Forge's `to`
    type: Mapped[str] = mapped_column(String(16))  # redirect (302) or permanent (301)
    status: Mapped[str] = mapped_column(String(16), default="installing")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship(lazy="raise")
