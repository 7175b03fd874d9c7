"""A site's load balancing: the servers a load balancer's site sends its requests to."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shipyard.core.db import Base, utcnow
from shipyard.servers.models import OnServer
from shipyard.sites.models import Site


class Balancing(OnServer, Base):
    __tablename__ = "site_balancing"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), unique=True)
    method: Mapped[str] = mapped_column(String(16), default="round_robin")
    # One object per server: server_id, weight, port, backup, down, and the address it had when set.
    nodes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="installing")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship(lazy="raise")
