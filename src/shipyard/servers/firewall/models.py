"""Firewall rules: ufw rules on the server, one per row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, utcnow
from shipyard.servers.models import OnServer


class FirewallRule(OnServer, Base):
    __tablename__ = "firewall_rules"

    name: Mapped[str] = mapped_column(String(255))
    port: Mapped[str] = mapped_column(String(11))  # "8080" or "8000:8100"
    type: Mapped[str] = mapped_column(String(8))  # allow | deny
    ip_address: Mapped[str | None] = mapped_column(String(64))  # canonical address or network; None: any
    status: Mapped[str] = mapped_column(String(16), default="installing")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
