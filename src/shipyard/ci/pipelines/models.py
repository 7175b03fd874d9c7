"""Pipelines (one per event), their workflows (one queue task each) and steps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base
from shipyard.core.secrets import EncryptedString


class Pipeline(Base):
    __tablename__ = "ci_pipelines"
    __table_args__ = (UniqueConstraint("repo_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("ci_repos.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    parent: Mapped[int] = mapped_column(Integer, default=0)
    event: Mapped[str] = mapped_column(String(32))
    event_reason: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), index=True)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created: Mapped[int] = mapped_column(BigInteger)
    updated: Mapped[int] = mapped_column(BigInteger)
    started: Mapped[int] = mapped_column(BigInteger, default=0)
    finished: Mapped[int] = mapped_column(BigInteger, default=0)
    deploy_to: Mapped[str] = mapped_column(String(255), default="")
    deploy_task: Mapped[str] = mapped_column(String(255), default="")
    commit: Mapped[str] = mapped_column(String(64), default="")
    branch: Mapped[str] = mapped_column(String(255), default="")
    ref: Mapped[str] = mapped_column(String(500), default="")
    refspec: Mapped[str] = mapped_column(String(1000), default="")
    title: Mapped[str] = mapped_column(String(1000), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    timestamp: Mapped[int] = mapped_column(BigInteger, default=0)
    sender: Mapped[str] = mapped_column(String(255), default="")
    author: Mapped[str] = mapped_column(String(255), default="")
    author_avatar: Mapped[str] = mapped_column(String(1000), default="")
    author_email: Mapped[str] = mapped_column(String(255), default="")
    forge_url: Mapped[str] = mapped_column(String(1000), default="")
    reviewed_by: Mapped[str] = mapped_column(String(255), default="")
    reviewed: Mapped[int] = mapped_column(BigInteger, default=0)
    cancel_info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    changed_files: Mapped[list[str]] = mapped_column(JSON, default=list)
    variables: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    pr_labels: Mapped[list[str]] = mapped_column(JSON, default=list)
    pr_milestone: Mapped[str] = mapped_column(String(255), default="")
    pr_draft: Mapped[bool] = mapped_column(Boolean, default=False)
    cron: Mapped[str] = mapped_column(String(255), default="")
    from_fork: Mapped[bool] = mapped_column(Boolean, default=False)
    release_title: Mapped[str] = mapped_column(String(255), default="")
    is_prerelease: Mapped[bool] = mapped_column(Boolean, default=False)
    tag_title: Mapped[str] = mapped_column(String(255), default="")
    rerun_count: Mapped[int] = mapped_column(Integer, default=0)
    # The config files the pipeline was compiled from: [{name, hash, data}].
    configs: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)


class Workflow(Base):
    """A compiled workflow and its place in the queue: pending with no agent = waiting for one."""

    __tablename__ = "ci_workflows"

    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("ci_pipelines.id", ondelete="CASCADE"), index=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("ci_repos.id", ondelete="CASCADE"), index=True)
    pid: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), index=True)
    error: Mapped[str] = mapped_column(Text, default="")
    started: Mapped[int] = mapped_column(BigInteger, default=0)
    finished: Mapped[int] = mapped_column(BigInteger, default=0)
    platform: Mapped[str] = mapped_column(String(64), default="")
    environ: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    depends_on: Mapped[list[str]] = mapped_column(JSON, default=list)
    runs_on: Mapped[list[str]] = mapped_column(JSON, default=list)
    timeout_seconds: Mapped[int] = mapped_column(Integer, default=3600)
    # The compiled stages and the values to mask, as JSON; encrypted: it holds secret values.
    payload: Mapped[str] = mapped_column(EncryptedString())
    agent_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    queued_at: Mapped[datetime]


class Step(Base):
    __tablename__ = "ci_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[str] = mapped_column(String(32), unique=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("ci_pipelines.id", ondelete="CASCADE"), index=True)
    workflow_id: Mapped[int] = mapped_column(ForeignKey("ci_workflows.id", ondelete="CASCADE"), index=True)
    pid: Mapped[int] = mapped_column(Integer)
    ppid: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16))
    error: Mapped[str] = mapped_column(Text, default="")
    exit_code: Mapped[int] = mapped_column(Integer, default=0)
    started: Mapped[int] = mapped_column(BigInteger, default=0)
    finished: Mapped[int] = mapped_column(BigInteger, default=0)
    type: Mapped[str] = mapped_column(String(16))
    failure: Mapped[str] = mapped_column(String(16), default="fail")
