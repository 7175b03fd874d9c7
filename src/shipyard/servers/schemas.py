"""Request and response bodies of the server endpoints, in Forge's shapes."""

from __future__ import annotations

import zlib
from typing import Any

from pydantic import BaseModel, Field, field_validator

from shipyard.core.formats import ForgeDateTime, Id

PROVIDERS = ("ocean2", "akamai", "vultr2", "aws", "hetzner", "custom")
SERVER_TYPES = ("app", "web", "loadbalancer", "cache", "database", "worker", "meilisearch")
UBUNTU_VERSIONS = ("20.04", "22.04", "24.04")
DEFAULT_UBUNTU_VERSION = "24.04"  # the image of a machine created at a provider without ubuntu_version


class ServerCreate(BaseModel):
    provider: str
    name: str = Field(max_length=255)
    type: str = "app"
    ubuntu_version: str | None = None
    credential_id: Id | None = None
    region: str | None = None
    size: str | None = None
    disk_size: int | None = Field(default=None, ge=1, le=65536)
    ip_address: str | None = None
    private_ip_address: str | None = None
    php_version: str | None = Field(default=None, description="default: the newest PHP the host's OS ships")
    database: str = "forge"
    database_type: str = "mysql8"
    network: list[Id] = Field(default_factory=list)
    recipe_id: Id | None = None
    tags: list[str] = Field(default_factory=list)
    # Shipyard's additions for custom servers.
    ssh_port: int = Field(default=22, ge=1, le=65535)
    root_private_key: str | None = Field(
        default=None, description="provision now over SSH with this root key (forgotten afterwards)"
    )
    root_password: str | None = Field(
        default=None, description="provision now over SSH with this root password (forgotten afterwards)"
    )

    @field_validator("network", mode="before")
    @classmethod
    def _network_ids(cls, value: Any) -> Any:
        return [] if value in (None, "") else value


class ServerUpdate(BaseModel):
    name: str | None = Field(default=None, max_length=255)
    ip_address: str | None = None
    private_ip_address: str | None = None
    max_upload_size: int | None = Field(default=None, ge=1, le=10240, description="megabytes")
    max_execution_time: int | None = Field(default=None, ge=1, le=86400, description="seconds")
    network: list[Id] | None = None
    timezone: str | None = None
    tags: list[str] | None = None


class Tag(BaseModel):
    id: int
    name: str

    @classmethod
    def of(cls, name: str) -> Tag:
        return cls(id=zlib.crc32(name.encode()), name=name)


class ServerRead(BaseModel):
    id: int
    credential_id: int | None
    name: str
    type: str
    provider: str
    provider_id: str | None
    size: str | None
    region: str | None
    ubuntu_version: str | None
    php_version: str | None
    php_cli_version: str | None
    opcache_status: str | None
    database_type: str | None
    ip_address: str | None
    private_ip_address: str | None
    ssh_port: int
    blackfire_status: str | None
    papertrail_status: str | None
    revoked: bool
    created_at: ForgeDateTime
    is_ready: bool
    status: str
    os: str | None
    timezone: str
    max_upload_size: int
    max_execution_time: int
    network: list[int]
    tags: list[Tag]


class ServerEnvelope(BaseModel):
    server: ServerRead


class ServerCreated(ServerEnvelope):
    """Shown once: the passwords and the command that hands the host to Shipyard."""

    sudo_password: str
    database_password: str
    provision_command: str | None


class ServerList(BaseModel):
    servers: list[ServerRead]


class DatabasePasswordUpdate(BaseModel):
    password: str = Field(min_length=1, max_length=255)


class PublicKey(BaseModel):
    public_key: str


class EventRead(BaseModel):
    id: int
    server_id: int
    ran_as: str
    server_name: str
    description: str
    status: str
    created_at: ForgeDateTime


class EventList(BaseModel):
    events: list[EventRead]


class EventOutput(BaseModel):
    output: str
