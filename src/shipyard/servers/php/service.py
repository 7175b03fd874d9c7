"""PHP rules: only what the server's distribution ships can be installed."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import ValidationFailed
from shipyard.hostops import packages
from shipyard.jobs import service as jobs
from shipyard.servers import service as servers
from shipyard.servers.models import Server
from shipyard.servers.php import repository
from shipyard.servers.php.models import PhpVersion


async def versions(session: AsyncSession, user: User, server_id: int) -> Sequence[PhpVersion]:
    await servers.get(session, user, server_id)
    return await repository.all_of(session, server_id)


def distribution_php(server: Server, version: str) -> str:
    """The distribution's PHP for Forge's `version`, or a 422 saying what the server can have."""
    if version not in packages.FORGE_PHP_VERSIONS:
        raise ValidationFailed(
            {"version": [f"The version must be one of: {', '.join(packages.FORGE_PHP_VERSIONS)}."]}
        )
    try:
        return packages.php_version(packages.distribution(server.os or ""), version)
    except packages.Unavailable as exc:
        raise ValidationFailed({"version": [str(exc)]}) from exc


async def install(
    session: AsyncSession, user: User, server_id: int, version: str, *, actor: Actor
) -> PhpVersion:
    server = await servers.get(session, user, server_id)
    servers.require_ready(server)
    distribution_php(server, version)
    if await repository.find(session, server.id, version) is not None:
        raise ValidationFailed({"version": [f"{version} is already installed on this server."]})
    php = PhpVersion(server_id=server.id, version=version)
    session.add(php)
    await session.flush()
    jobs.enqueue(
        session, "php.install", {"php_id": php.id}, resource_key=servers.resource_key(server.id), actor=actor
    )
    return php


async def update(session: AsyncSession, user: User, server_id: int, version: str, *, actor: Actor) -> None:
    server = await servers.get(session, user, server_id)
    servers.require_ready(server)
    distribution_php(server, version)
    if await repository.find(session, server.id, version) is None:
        raise ValidationFailed({"version": [f"{version} is not installed on this server."]})
    jobs.enqueue(
        session,
        "php.update",
        {"server_id": server.id, "version": version},
        resource_key=servers.resource_key(server.id),
        actor=actor,
    )


async def set_opcache(
    session: AsyncSession, user: User, server_id: int, enabled: bool, *, actor: Actor
) -> None:
    server = await servers.get(session, user, server_id)
    servers.require_ready(server)
    jobs.enqueue(
        session,
        "php.opcache",
        {"server_id": server.id, "enabled": enabled},
        resource_key=servers.resource_key(server.id),
        actor=actor,
    )


def record_provisioned(session: AsyncSession, server_id: int, version: str) -> None:
    """Provisioning installed the server's default PHP."""
    session.add(
        PhpVersion(
            server_id=server_id, version=version, status="installed", used_as_default=True, used_on_cli=True
        )
    )
