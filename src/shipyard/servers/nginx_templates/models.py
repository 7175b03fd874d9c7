"""Nginx templates: a server's named site configurations with Forge `{{ VARIABLES }}`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, utcnow
from shipyard.servers.models import OnServer


class NginxTemplate(OnServer, Base):
    __tablename__ = "nginx_templates"

    name: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
