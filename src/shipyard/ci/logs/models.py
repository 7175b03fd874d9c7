"""Step logs, one row per line."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base


class LogLine(Base):
    __tablename__ = "ci_log_lines"
    __table_args__ = (Index("ix_ci_log_lines_step_line", "step_id", "line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    step_id: Mapped[int] = mapped_column(ForeignKey("ci_steps.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(Integer)
    time: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[int] = mapped_column(Integer, default=0)
    data: Mapped[str] = mapped_column(Text)
