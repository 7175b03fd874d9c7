"""Hooks: scripts run before or after one of the deployment actions, on chosen servers."""

from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, Timestamps


class Hook(Timestamps, Base):
    __tablename__ = "project_hooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action_id: Mapped[int] = mapped_column(Integer)
    timing: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(255))
    run_as: Mapped[str] = mapped_column(String(32))
    script: Mapped[str] = mapped_column(Text)
    sequence: Mapped[int] = mapped_column(Integer, default=1)
    # Ids of the project's servers the hook runs on.
    servers: Mapped[list[int]] = mapped_column(JSON, default=list)
