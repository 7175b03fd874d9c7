"""Forges: where repositories live (a `git` forge needs no service; the others have an HTTP API)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, Timestamps
from shipyard.core.secrets import EncryptedString


class Forge(Timestamps, Base):
    __tablename__ = "ci_forges"

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(String(500), default="")
    client: Mapped[str] = mapped_column(String(255), default="")
    client_secret: Mapped[str | None] = mapped_column(EncryptedString(2048), default=None)
    skip_verify: Mapped[bool] = mapped_column(Boolean, default=False)
    oauth_host: Mapped[str] = mapped_column(String(500), default="")
    orgs: Mapped[list[str]] = mapped_column(JSON, default=list)
    additional_options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
