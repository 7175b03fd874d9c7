"""Sites: a domain a server serves from a directory, through nginx (and PHP-FPM for PHP sites)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shipyard.core.db import Base, utcnow
from shipyard.core.secrets import EncryptedString
from shipyard.servers.models import OnServer, Server


class Site(OnServer, Base):
    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("server_id", "name"),)

    name: Mapped[str] = mapped_column(String(253))  # the domain, lower case
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    directory: Mapped[str] = mapped_column(String(255), default="/public")  # the web directory
    wildcards: Mapped[bool] = mapped_column(Boolean, default=False)
    isolated: Mapped[bool] = mapped_column(Boolean, default=False)
    username: Mapped[str] = mapped_column(String(32))  # the server's user unless isolated
    project_type: Mapped[str] = mapped_column(String(16), default="php")
    php_version: Mapped[str] = mapped_column(String(16))  # Forge's name, e.g. php82
    # The vhost with Forge's `{{ VARIABLES }}`: the chosen template, then what PUT .../nginx sent.
    vhost_template: Mapped[str] = mapped_column(Text)
    # The domain the host has the site under (vhost, root directory), as of its last confirmed
    # install: a rename that did not reach the host is moved by the next install or removal.
    host_name: Mapped[str | None] = mapped_column(String(253))
    # The secret in the site's deployment URL.
    deploy_token: Mapped[str] = mapped_column(EncryptedString(512))
    status: Mapped[str] = mapped_column(String(16), default="installing")
    # The application Shipyard installed into the web directory (WordPress, phpMyAdmin) and its state.
    app: Mapped[str | None] = mapped_column(String(32))
    app_status: Mapped[str | None] = mapped_column(String(16))
    # Git and deployments (sites/git, sites/deployments): the repository and branch the site
    # deploys (`repository` as the user gave it), the host's state of it, and how it deploys.
    repository: Mapped[str | None] = mapped_column(String(1024))
    repository_provider: Mapped[str | None] = mapped_column(String(16))
    repository_branch: Mapped[str | None] = mapped_column(String(255))
    repository_status: Mapped[str | None] = mapped_column(String(16))
    quick_deploy: Mapped[bool] = mapped_column(Boolean, default=False)
    deployment_status: Mapped[str | None] = mapped_column(String(16))  # queued, deploying or None
    deployment_script: Mapped[str | None] = mapped_column(Text)  # None: Forge's default script
    deployment_auto_source: Mapped[bool] = mapped_column(Boolean, default=False)
    deployment_failure_emails: Mapped[list[str]] = mapped_column(JSON, default=list)
    deploy_key_public: Mapped[str | None] = mapped_column(Text)
    deploy_key_private: Mapped[str | None] = mapped_column(
        EncryptedString(2048), deferred=True, deferred_raiseload=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    server: Mapped[Server] = relationship(lazy="raise")
