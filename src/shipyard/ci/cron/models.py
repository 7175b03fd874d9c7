"""Cron jobs: pipelines started on a schedule."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base


class Cron(Base):
    __tablename__ = "ci_crons"
    __table_args__ = (UniqueConstraint("repo_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    repo_id: Mapped[int] = mapped_column(ForeignKey("ci_repos.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    creator_id: Mapped[int] = mapped_column(Integer, default=0)
    schedule: Mapped[str] = mapped_column(String(255))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    branch: Mapped[str] = mapped_column(String(255), default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    variables: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Unix seconds of the next run; the scheduler claims a run by moving it forward (once per due time).
    next_exec: Mapped[int] = mapped_column(BigInteger, index=True)
    created: Mapped[int] = mapped_column(BigInteger)
