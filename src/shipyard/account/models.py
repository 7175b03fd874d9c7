"""A user's provider credentials and the catalogue of provider regions and sizes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shipyard.core.db import Base, utcnow
from shipyard.core.secrets import EncryptedString


class Credential(Base):
    """An API credential for a server provider; `secret` (JSON) is encrypted at rest."""

    __tablename__ = "credentials"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(255))
    # Deferred: listing credentials must not decrypt what the API never shows.
    secret: Mapped[str] = mapped_column(EncryptedString(4096), deferred=True, deferred_raiseload=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Region(Base):
    __tablename__ = "regions"
    __table_args__ = (UniqueConstraint("provider", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))

    sizes: Mapped[list[RegionSize]] = relationship(lazy="raise", order_by="RegionSize.id")


class RegionSize(Base):
    __tablename__ = "region_sizes"
    __table_args__ = (UniqueConstraint("region_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
