"""Servers and their event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shipyard.core.db import Base, Timestamps, utcnow
from shipyard.core.secrets import EncryptedString


class ServerStatus:
    PROVISIONING = "provisioning"
    INSTALLED = "installed"
    FAILED = "failed"
    REMOVING = "removing"


class OnServer:
    """Mixin of a row that belongs to one server and goes when the server goes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)


class Server(Timestamps, Base):
    __tablename__ = "servers"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("credentials.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(32), default="app")
    provider: Mapped[str] = mapped_column(String(32))
    provider_id: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[str | None] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(64))
    ubuntu_version: Mapped[str | None] = mapped_column(String(16))
    php_version: Mapped[str] = mapped_column(String(16))
    php_cli_version: Mapped[str] = mapped_column(String(16))
    opcache_status: Mapped[str | None] = mapped_column(String(16), default="enabled")
    database_type: Mapped[str | None] = mapped_column(String(32))
    database_name: Mapped[str] = mapped_column(String(64), default="forge")
    ip_address: Mapped[str | None] = mapped_column(String(64))
    private_ip_address: Mapped[str | None] = mapped_column(String(64))
    ssh_port: Mapped[int] = mapped_column(Integer, default=22)
    ssh_user: Mapped[str] = mapped_column(String(32), default="forge")
    os: Mapped[str | None] = mapped_column(String(32))
    blackfire_status: Mapped[str | None] = mapped_column(String(16))
    papertrail_status: Mapped[str | None] = mapped_column(String(16))
    # What the last Blackfire/Papertrail install asked for (servers/agents/); the token is encrypted.
    blackfire_server_id: Mapped[str | None] = mapped_column(String(128))
    blackfire_server_token: Mapped[str | None] = mapped_column(
        EncryptedString(512), deferred=True, deferred_raiseload=True
    )
    papertrail_host: Mapped[str | None] = mapped_column(String(255))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    is_ready: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=ServerStatus.PROVISIONING)
    network: Mapped[list[int]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    max_upload_size: Mapped[int] = mapped_column(Integer, default=2)
    max_execution_time: Mapped[int] = mapped_column(Integer, default=30)
    host_key: Mapped[str | None] = mapped_column(Text)
    sudo_password: Mapped[str] = mapped_column(EncryptedString(512), deferred=True, deferred_raiseload=True)
    database_password: Mapped[str] = mapped_column(
        EncryptedString(512), deferred=True, deferred_raiseload=True
    )
    # A root login given for direct provisioning; forgotten once Shipyard's own key is installed.
    bootstrap_login: Mapped[str | None] = mapped_column(
        EncryptedString(16384), deferred=True, deferred_raiseload=True
    )
    provision_token_hash: Mapped[str | None] = mapped_column(String(64))


class ServerEvent(Base):
    """Something Shipyard ran on a server, with its output (Forge's server events)."""

    __tablename__ = "server_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    server_id: Mapped[int] = mapped_column(ForeignKey("servers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    ran_as: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="running")
    exit_code: Mapped[int | None]
    output: Mapped[str] = mapped_column(Text, default="", deferred=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]
