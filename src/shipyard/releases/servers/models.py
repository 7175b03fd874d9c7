"""The servers a project deploys to, reached as `connect_as` with the project's key."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, Timestamps


class ProjectServer(Timestamps, Base):
    __tablename__ = "project_servers"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # A Shipyard (Forge API) server this one is: its address and Shipyard's connection are used.
    forge_server_id: Mapped[int | None] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    connect_as: Mapped[str] = mapped_column(String(32))
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int] = mapped_column(Integer, default=22)
    php_version: Mapped[str] = mapped_column(String(8))
    receives_code_deployments: Mapped[bool] = mapped_column(Boolean, default=True)
    deployment_path: Mapped[str] = mapped_column(String(255))
    should_restart_fpm: Mapped[bool] = mapped_column(Boolean, default=True)
    composer_path: Mapped[str] = mapped_column(String(255), default="composer")
    php_path: Mapped[str] = mapped_column(String(255), default="php")
    connection_status: Mapped[str] = mapped_column(String(16), default="unknown")
    connection_error: Mapped[str | None] = mapped_column(Text)
    host_key: Mapped[str | None] = mapped_column(Text)
