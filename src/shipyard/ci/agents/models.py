"""CI agents: processes that poll for workflows with a token of their own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base
from shipyard.core.secrets import EncryptedString

GLOBAL_ORG = -1


class Agent(Base):
    __tablename__ = "ci_agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    created: Mapped[int] = mapped_column(BigInteger)
    updated: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str] = mapped_column(String(255))
    owner_id: Mapped[int] = mapped_column(Integer, default=0)
    org_id: Mapped[int] = mapped_column(Integer, default=GLOBAL_ORG, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token: Mapped[str] = mapped_column(EncryptedString(1024))
    last_contact: Mapped[int] = mapped_column(BigInteger, default=0)
    last_work: Mapped[int] = mapped_column(BigInteger, default=0)
    platform: Mapped[str] = mapped_column(String(64), default="")
    backend: Mapped[str] = mapped_column(String(32), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[str] = mapped_column(String(64), default="")
    hostname: Mapped[str] = mapped_column(String(255), default="")
    no_schedule: Mapped[bool] = mapped_column(Boolean, default=False)
    custom_labels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AgentPoll(Base):
    """A runner of an agent waiting in `next` for work: the queue gives a workflow to the waiting
    runner whose agent's labels score best, so it needs to know who else is waiting."""

    __tablename__ = "ci_agent_polls"
    __table_args__ = (UniqueConstraint("agent_id", "runner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("ci_agents.id", ondelete="CASCADE"), index=True)
    runner: Mapped[int] = mapped_column(Integer)
    # The agent's labels as the queue matches them (org-id included).
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    until: Mapped[datetime]
