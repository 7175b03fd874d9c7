"""Deployments and their processes: one process per server per action or hook, with its output."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, Timestamps


class DeploymentStatus:
    QUEUED = "queued"
    RUNNING = "running"
    CANCELLING = "cancelling"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"
    DONE = (FINISHED, FAILED, CANCELLED)


class Deployment(Timestamps, Base):
    __tablename__ = "project_deployments"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # What to deploy: `branch` or `tag` and its name (`rollback` for a rollback to `release`).
    source: Mapped[str] = mapped_column(String(16), default="branch")
    reference: Mapped[str] = mapped_column(String(255))
    release: Mapped[str | None] = mapped_column(String(32))
    commit_branch: Mapped[str | None] = mapped_column(String(255))
    commit_hash: Mapped[str | None] = mapped_column(String(64))
    commit_author: Mapped[str | None] = mapped_column(String(255))
    commit_avatar: Mapped[str | None] = mapped_column(String(512))
    commit_message: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=DeploymentStatus.QUEUED, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    # When activation began: from then on the deployment cannot be cancelled, only rolled back.
    activated_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Process(Timestamps, Base):
    __tablename__ = "project_deployment_processes"

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(
        ForeignKey("project_deployments.id", ondelete="CASCADE"), index=True
    )
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    server_id: Mapped[int | None] = mapped_column(ForeignKey("project_servers.id", ondelete="SET NULL"))
    server_name: Mapped[str] = mapped_column(String(255))
    sequence: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    action_id: Mapped[int | None] = mapped_column(Integer)
    hook_id: Mapped[int | None] = mapped_column(ForeignKey("project_hooks.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    output: Mapped[str] = mapped_column(Text, default="", deferred=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
