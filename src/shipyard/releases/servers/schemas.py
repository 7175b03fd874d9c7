"""Envoyer's server bodies: camelCase in, snake_case out."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from shipyard.core.formats import Id

PHP_VERSIONS = (
    "php84",
    "php83",
    "php82",
    "php81",
    "php80",
    "php74",
    "php73",
    "php72",
    "php71",
    "php70",
    "php56",
)


class ServerCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    connectAs: str = Field(min_length=1, max_length=32)
    host: str | None = Field(default=None, max_length=253)
    port: int = Field(default=22, ge=1, le=65535)
    phpVersion: str = Field(max_length=8)
    receivesCodeDeployments: bool = True
    deploymentPath: str = Field(default="/home/forge/default", max_length=255)
    restartFpm: bool = True
    composerPath: str = Field(default="composer", max_length=255)
    # Beyond Envoyer: a Shipyard (Forge API) server of the same user, reached the way Shipyard does.
    serverId: Id | None = None


class ServerUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    connectAs: str | None = Field(default=None, min_length=1, max_length=32)
    host: str | None = Field(default=None, max_length=253)
    port: int | None = Field(default=None, ge=1, le=65535)
    phpVersion: str | None = Field(default=None, max_length=8)
    receivesCodeDeployments: bool | None = None
    deploymentPath: str | None = Field(default=None, max_length=255)
    restartFpm: bool | None = None
    composerPath: str | None = Field(default=None, max_length=255)


class ServerRead(BaseModel):
    id: int
    project_id: int
    user_id: int
    name: str
    connect_as: str
    ip_address: str
    port: str
    php_seven: bool
    php_version: str
    freebsd: bool
    receives_code_deployments: bool
    should_restart_fpm: bool
    deployment_path: str
    php_path: str
    composer_path: str
    public_key: str
    connection_status: str
    connection_error: str | None
    server_id: int | None
    current_activity: str | None
    created_at: datetime
    updated_at: datetime


class ServerEnvelope(BaseModel):
    server: ServerRead


class ServerList(BaseModel):
    servers: list[ServerRead]
