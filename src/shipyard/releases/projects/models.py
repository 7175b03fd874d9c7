"""Projects: a git repository deployed with zero downtime to a set of servers (Envoyer's projects)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, Timestamps
from shipyard.core.secrets import EncryptedString


class MonitorStatus:
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"


class Project(Timestamps, Base):
    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(255))
    provider: Mapped[str] = mapped_column(String(16))
    # What the user gave: `owner/name` for the hosted providers, the git URL for the others.
    repository: Mapped[str] = mapped_column(String(512))
    branch: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(16), default="laravel-5")
    push_to_deploy: Mapped[bool] = mapped_column(Boolean, default=False)
    retain_deployments: Mapped[int] = mapped_column(Integer, default=5)
    monitor: Mapped[str | None] = mapped_column(String(2048))
    # Beyond Envoyer: requested through every server for `health_window` seconds after the swap.
    health_url: Mapped[str | None] = mapped_column(String(2048))
    health_window: Mapped[int] = mapped_column(Integer, default=10)
    # This installation's last check of `monitor`: healthy, unhealthy, or None before the first.
    monitor_status: Mapped[str | None] = mapped_column(String(16))
    install_dependencies: Mapped[bool] = mapped_column(Boolean, default=True)
    install_dev_dependencies: Mapped[bool] = mapped_column(Boolean, default=False)
    quiet_composer: Mapped[bool] = mapped_column(Boolean, default=False)
    folders: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The deploy URL's secret: shown to the owner, looked up by its hash.
    token: Mapped[str] = mapped_column(EncryptedString(512))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The project's own SSH key pair: users add the public half to their servers.
    private_key: Mapped[str] = mapped_column(EncryptedString(4096), deferred=True, deferred_raiseload=True)
    public_key: Mapped[str] = mapped_column(Text)
    # The environment file sealed under the user's key (never stored), then under Shipyard's.
    environment: Mapped[str | None] = mapped_column(
        EncryptedString(262144), deferred=True, deferred_raiseload=True
    )
    environment_servers: Mapped[list[int]] = mapped_column(JSON, default=list)
