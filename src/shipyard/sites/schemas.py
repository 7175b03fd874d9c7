"""Forge's site bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.core.formats import ForgeDateTime
from shipyard.hostops.sites import DEFAULT_DIRECTORY
from shipyard.servers.schemas import Tag

MAX_ALIASES = 100
MAX_NGINX = 65536
MAX_ENV = 131072


class SiteCreate(BaseModel):
    domain: str = Field(min_length=1, max_length=253)
    project_type: str = Field(default="php", max_length=16, description="php or html")
    aliases: list[str] = Field(default_factory=list, max_length=MAX_ALIASES)
    directory: str = Field(
        default=DEFAULT_DIRECTORY, max_length=255, description="the web directory, relative to the site root"
    )
    wildcards: bool = False
    isolated: bool = False
    username: str | None = Field(default=None, max_length=32, description="the isolated site's own user")
    database: str | None = Field(default=None, max_length=64, description="a database to create with it")
    php_version: str | None = Field(default=None, max_length=16, description="the server's PHP by default")
    nginx_template: int | str | None = Field(
        default=None, description='a nginx template id of the server, or "default"'
    )


class SiteUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=253, description="the new domain")
    directory: str | None = Field(default=None, max_length=255)
    php_version: str | None = Field(default=None, max_length=16)
    aliases: list[str] | None = Field(default=None, max_length=MAX_ALIASES)
    wildcards: bool | None = None


class SitePhp(BaseModel):
    version: str = Field(max_length=16)


class SiteAliases(BaseModel):
    aliases: list[str] = Field(max_length=MAX_ALIASES)


class NginxContent(BaseModel):
    content: str = Field(min_length=1, max_length=MAX_NGINX)


class EnvContent(BaseModel):
    content: str = Field(max_length=MAX_ENV)


class SiteRead(BaseModel):
    id: int
    name: str
    aliases: list[str]
    directory: str
    wildcards: bool
    isolated: bool
    username: str
    status: str
    repository: str | None
    repository_provider: str | None
    repository_branch: str | None
    repository_status: str | None
    quick_deploy: bool
    deployment_status: str | None = Field(description="queued or deploying while a deployment is due")
    project_type: str
    app: str | None
    php_version: str
    app_status: str | None
    slack_channel: str | None
    telegram_chat_id: int | None
    telegram_chat_title: str | None
    created_at: ForgeDateTime
    deployment_url: str
    tags: list[Tag]
    web_directory: str


class SiteEnvelope(BaseModel):
    site: SiteRead


class SiteList(BaseModel):
    sites: list[SiteRead]


class SiteLog(BaseModel):
    content: str
