"""SSH keys: public keys authorized for a user on the server, one per row."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, utcnow
from shipyard.servers.models import OnServer


class SshKey(OnServer, Base):
    __tablename__ = "ssh_keys"

    name: Mapped[str] = mapped_column(String(255))
    username: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(Text)  # the authorized_keys line; never returned by the API
    status: Mapped[str] = mapped_column(String(16), default="installing")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
