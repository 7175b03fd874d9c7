"""Security rules: HTTP basic authentication for a site or a path of it, with its credentials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shipyard.core.db import Base, utcnow
from shipyard.servers.models import OnServer
from shipyard.sites.models import Site


class SecurityRule(OnServer, Base):
    __tablename__ = "security_rules"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))  # the realm browsers show
    path: Mapped[str | None] = mapped_column(String(255))  # None: the whole site
    status: Mapped[str] = mapped_column(String(16), default="installing")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship(lazy="raise")
    credentials: Mapped[list[SecurityCredential]] = relationship(
        lazy="raise", order_by="SecurityCredential.id", cascade="all, delete-orphan", passive_deletes=True
    )


class SecurityCredential(Base):
    """A username and the bcrypt hash of its password (the password itself is never kept)."""

    __tablename__ = "security_rule_credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("security_rules.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
