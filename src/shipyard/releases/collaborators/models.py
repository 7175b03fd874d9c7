"""Collaborators: other Shipyard users who may see and deploy a project."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, Timestamps


class Collaborator(Timestamps, Base):
    __tablename__ = "project_collaborators"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Envoyer's pivot status; access is immediate here (the user exists already): `accepted`.
    status: Mapped[str] = mapped_column(String(16), default="accepted")
