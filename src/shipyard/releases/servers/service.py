"""Rules for a project's servers: validation, attaching a Shipyard server, the connection check."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.db import get_sessionmaker, utcnow
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.core.validation import DNS_NAME, LABEL, LABEL_RULE, UNIX_USER, is_clean_absolute_path, is_ip
from shipyard.hostops.releases import render_check
from shipyard.releases.projects import service as projects
from shipyard.releases.servers import host, repository
from shipyard.releases.servers.models import ProjectServer
from shipyard.releases.servers.schemas import PHP_VERSIONS, ServerCreate, ServerUpdate
from shipyard.remote.errors import RemoteError
from shipyard.servers import service as forge_servers
from shipyard.servers.host import HostActionFailed

COMMAND_PATH = re.compile(r"^[A-Za-z0-9_.][A-Za-z0-9._/+-]{0,254}\Z|^/[A-Za-z0-9._/+-]{1,254}\Z")
CHECK_SECONDS = 30


def _errors(
    *,
    name: str | None,
    connect_as: str | None,
    host_name: str | None,
    php_version: str | None,
    deployment_path: str | None,
    composer_path: str | None,
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if name is not None and not LABEL.match(name):
        errors["name"] = [LABEL_RULE]
    if connect_as is not None and not UNIX_USER.match(connect_as):
        errors["connectAs"] = ["The connect as user must be a valid Unix user name."]
    if host_name is not None and not (
        is_ip(host_name)
        or (DNS_NAME.match(host_name) and not host_name.rstrip(".").rsplit(".", 1)[-1].isdigit())
    ):
        errors["host"] = ["The host must be a host name or an IP address."]
    if php_version is not None and php_version not in PHP_VERSIONS:
        errors["phpVersion"] = [f"The PHP version must be one of: {', '.join(PHP_VERSIONS)}."]
    if deployment_path is not None and (
        deployment_path == "/" or not is_clean_absolute_path(deployment_path)
    ):
        errors["deploymentPath"] = [
            "The deployment path must be an absolute path of letters, digits and . _ @ + / -."
        ]
    if composer_path is not None and not COMMAND_PATH.match(composer_path):
        errors["composerPath"] = ["The composer path must be a command name or an absolute path."]
    return errors


async def create(session: AsyncSession, user: User, project_id: int, body: ServerCreate) -> ProjectServer:
    project = await projects.get(session, user, project_id, owner_only=True)
    errors = _errors(
        name=body.name,
        connect_as=body.connectAs,
        host_name=body.host,
        php_version=body.phpVersion,
        deployment_path=body.deploymentPath,
        composer_path=body.composerPath,
    )
    address, port = body.host, body.port
    if body.serverId is not None:
        forge = await forge_servers.get(session, user, body.serverId)
        if not forge.ip_address:
            errors["serverId"] = ["That server has no address yet."]
        address, port = forge.ip_address, forge.ssh_port
    elif not body.host:
        errors["host"] = ["The host field is required."]
    if errors:
        raise ValidationFailed(errors)
    assert address is not None
    server = ProjectServer(
        project_id=project.id,
        user_id=user.id,
        forge_server_id=body.serverId,
        name=body.name,
        connect_as=body.connectAs,
        host=address,
        port=port,
        php_version=body.phpVersion,
        receives_code_deployments=body.receivesCodeDeployments,
        deployment_path=body.deploymentPath.rstrip("/"),
        should_restart_fpm=body.restartFpm,
        composer_path=body.composerPath,
    )
    session.add(server)
    await session.flush()
    return server


async def all_of(
    session: AsyncSession, user: User, project_id: int, *, owner_only: bool = False
) -> Sequence[ProjectServer]:
    """The project's servers (collaborators see them too, unless `owner_only`)."""
    project = await projects.get(session, user, project_id, owner_only=owner_only)
    return await repository.all_of_project(session, project.id)


async def get(
    session: AsyncSession, user: User, project_id: int, server_id: int, *, owner_only: bool = False
) -> ProjectServer:
    """One of the project's servers (collaborators see it too, unless `owner_only`)."""
    project = await projects.get(session, user, project_id, owner_only=owner_only)
    server = await repository.of_project(session, project.id, server_id)
    if server is None:
        raise NotFound("server")
    return server


async def update(
    session: AsyncSession, user: User, project_id: int, server_id: int, body: ServerUpdate
) -> ProjectServer:
    server = await get(session, user, project_id, server_id, owner_only=True)
    errors = _errors(
        name=body.name,
        connect_as=body.connectAs,
        host_name=body.host if server.forge_server_id is None else None,
        php_version=body.phpVersion,
        deployment_path=body.deploymentPath,
        composer_path=body.composerPath,
    )
    if errors:
        raise ValidationFailed(errors)
    reconnect = False
    if body.name is not None:
        server.name = body.name
    if body.connectAs is not None and body.connectAs != server.connect_as:
        server.connect_as, reconnect = body.connectAs, True
    if server.forge_server_id is None:
        if body.host is not None and body.host != server.host:
            # Another machine: its host key is not the one pinned.
            server.host, server.host_key, reconnect = body.host, None, True
        if body.port is not None and body.port != server.port:
            server.port, reconnect = body.port, True
    if body.phpVersion is not None:
        server.php_version = body.phpVersion
    if body.receivesCodeDeployments is not None:
        server.receives_code_deployments = body.receivesCodeDeployments
    if body.deploymentPath is not None:
        server.deployment_path = body.deploymentPath.rstrip("/")
    if body.restartFpm is not None:
        server.should_restart_fpm = body.restartFpm
    if body.composerPath is not None:
        server.composer_path = body.composerPath
    if reconnect:
        server.connection_status, server.connection_error = "unknown", None
    server.updated_at = utcnow()
    await session.flush()
    return server


async def delete(session: AsyncSession, user: User, project_id: int, server_id: int) -> None:
    server = await get(session, user, project_id, server_id, owner_only=True)
    project = await projects.get(session, user, project_id, owner_only=True)
    project.environment_servers = [sid for sid in project.environment_servers if sid != server.id]
    await session.delete(server)


async def refresh(session: AsyncSession, user: User, project_id: int, server_id: int) -> ProjectServer:
    """Log in as `connect_as` with the project's key now (not a pooled connection) and record
    whether it worked, and why not."""
    server = await get(session, user, project_id, server_id, owner_only=True)
    reason: str | None
    try:
        result = await host.run(
            get_sessionmaker(),
            server,
            render_check(server.deployment_path),
            time_limit=CHECK_SECONDS,
            fresh_login=True,
        )
    except (RemoteError, HostActionFailed) as exc:
        status, reason = "failed", str(exc)
    else:
        tail = result.output.strip().splitlines()[-3:]
        status, reason = ("successful", None) if result.ok else ("failed", "\n".join(tail))
    await session.refresh(server)
    server.connection_status, server.connection_error = status, reason
    server.updated_at = utcnow()
    await session.flush()
    return server
