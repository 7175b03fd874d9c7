"""PHP versions installed on a server."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, utcnow


class PhpVersion(Base):
    __tablename__ = "php_versions"
    __table_args__ = (UniqueConstraint("server_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    version: Mapped[str] = mapped_column(String(16))  # Forge's name, e.g. php82
    status: Mapped[str] = mapped_column(String(16), default="installing")
    used_as_default: Mapped[bool] = mapped_column(Boolean, default=False)
    used_on_cli: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
