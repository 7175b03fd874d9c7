"""Secrets and registry credentials: global (org 0, repo 0), per organization, or per repository."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, Timestamps
from shipyard.core.secrets import EncryptedString


class Secret(Timestamps, Base):
    __tablename__ = "ci_secrets"
    __table_args__ = (UniqueConstraint("org_id", "repo_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    repo_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    # Stored lower-case: names are case-insensitive.
    name: Mapped[str] = mapped_column(String(255))
    value: Mapped[str] = mapped_column(EncryptedString())
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(1000), default="")


class Registry(Timestamps, Base):
    __tablename__ = "ci_registries"
    __table_args__ = (UniqueConstraint("org_id", "repo_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    repo_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    address: Mapped[str] = mapped_column(String(255))
    username: Mapped[str] = mapped_column(String(255), default="")
    password: Mapped[str] = mapped_column(EncryptedString())
    readonly: Mapped[bool] = mapped_column(Boolean, default=False)
