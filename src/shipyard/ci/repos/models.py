"""Organizations (a forge user or group) and the repositories activated in Shipyard."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, Timestamps


class Org(Timestamps, Base):
    __tablename__ = "ci_orgs"
    __table_args__ = (UniqueConstraint("forge_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forge_id: Mapped[int] = mapped_column(ForeignKey("ci_forges.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    is_user: Mapped[bool] = mapped_column(Boolean, default=False)
    # The Shipyard user an `is_user` org belongs to, or who created it.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)


class Repo(Timestamps, Base):
    __tablename__ = "ci_repos"
    __table_args__ = (UniqueConstraint("forge_id", "forge_remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forge_id: Mapped[int] = mapped_column(ForeignKey("ci_forges.id", ondelete="CASCADE"), index=True)
    forge_remote_id: Mapped[str] = mapped_column(String(1000))
    org_id: Mapped[int] = mapped_column(ForeignKey("ci_orgs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    owner: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(511), unique=True)
    avatar_url: Mapped[str] = mapped_column(String(1000), default="")
    forge_url: Mapped[str] = mapped_column(String(1000), default="")
    clone_url: Mapped[str] = mapped_column(String(1000), default="")
    clone_url_ssh: Mapped[str] = mapped_column(String(1000), default="")
    default_branch: Mapped[str] = mapped_column(String(255), default="main")
    pr_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    timeout: Mapped[int] = mapped_column(Integer, default=60)
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    private: Mapped[bool] = mapped_column(Boolean, default=True)
    trusted: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)
    require_approval: Mapped[str] = mapped_column(String(32), default="forks")
    approval_allowed_users: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_pr: Mapped[bool] = mapped_column(Boolean, default=True)
    allow_deploy: Mapped[bool] = mapped_column(Boolean, default=False)
    config_file: Mapped[str] = mapped_column(String(500), default="")
    cancel_previous_pipeline_events: Mapped[list[str]] = mapped_column(JSON, default=list)
    netrc_trusted: Mapped[list[str]] = mapped_column(JSON, default=list)
    extensions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Signs the repository's hook tokens (Woodpecker's `repo.hash`); rotating it revokes them.
    hash: Mapped[str] = mapped_column(String(64))
    pipeline_counter: Mapped[int] = mapped_column(Integer, default=0)
