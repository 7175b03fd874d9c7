"""Server rules: validation per provider, ownership, and the jobs each change starts."""

from __future__ import annotations

import hashlib
import json
import secrets
import shlex
from collections.abc import Sequence
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.account import service as account
from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.db import get_sessionmaker
from shipyard.core.errors import NotFound, ShipyardError, ValidationFailed
from shipyard.core.validation import DATABASE_NAME, HOSTNAME_LIKE, TAG, is_ip, is_timezone
from shipyard.hostops.packages import FORGE_DATABASE_TYPES, FORGE_PHP_VERSIONS
from shipyard.hostops.server import render_facts, render_handover
from shipyard.jobs import service as jobs
from shipyard.remote.keys import is_private_key
from shipyard.servers import host, repository
from shipyard.servers.identity import identity
from shipyard.servers.models import Server, ServerEvent, ServerStatus
from shipyard.servers.schemas import (
    DEFAULT_UBUNTU_VERSION,
    PROVIDERS,
    SERVER_TYPES,
    UBUNTU_VERSIONS,
    ServerCreate,
    ServerUpdate,
)


class ActionFailed(ShipyardError):
    """Forge's 400: valid data, but the action failed."""

    status_code = 400
    code = "action_failed"


# Forge's web, worker and load-balancer servers (and cache, meilisearch) run no database server.
TYPES_WITH_DATABASE = ("app", "database")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def resource_key(server_id: int) -> str:
    return f"server:{server_id}"


async def _validate_create(session: AsyncSession, user: User, body: ServerCreate) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, reason: str) -> None:
        errors.setdefault(field, []).append(reason)

    if body.provider not in PROVIDERS:
        add("provider", f"The provider must be one of: {', '.join(PROVIDERS)}.")
    if not HOSTNAME_LIKE.match(body.name):
        add("name", "The name may contain letters, digits, '.', '_' and '-' (at most 63).")
    if body.type not in SERVER_TYPES:
        add("type", f"The type must be one of: {', '.join(SERVER_TYPES)}.")
    if body.ubuntu_version is not None and body.ubuntu_version not in UBUNTU_VERSIONS:
        add("ubuntu_version", f"The ubuntu version must be one of: {', '.join(UBUNTU_VERSIONS)}.")
    if body.php_version is not None and body.php_version not in FORGE_PHP_VERSIONS:
        add("php_version", f"The php version must be one of: {', '.join(FORGE_PHP_VERSIONS)}.")
    if body.database_type not in FORGE_DATABASE_TYPES:
        add("database_type", f"The database type must be one of: {', '.join(FORGE_DATABASE_TYPES)}.")
    if not DATABASE_NAME.match(body.database):
        add("database", "The database name may contain letters, digits and '_' (at most 64).")
    for index, tag in enumerate(body.tags):
        if not TAG.match(tag):
            add(f"tags.{index}", "A tag may contain letters, digits, spaces and . _ : / - (at most 64).")
    if body.network:
        owned = await repository.owned_ids(session, user.id, body.network)
        for index, server_id in enumerate(body.network):
            if server_id not in owned:
                add(f"network.{index}", "The server does not exist.")
    if body.provider == "custom":
        if not body.ip_address:
            add("ip_address", "The ip address field is required when the provider is custom.")
        elif not is_ip(body.ip_address):
            add("ip_address", "The ip address must be a valid IP address.")
        if body.private_ip_address and not is_ip(body.private_ip_address):
            add("private_ip_address", "The private ip address must be a valid IP address.")
        if body.root_private_key is not None and not is_private_key(body.root_private_key):
            add("root_private_key", "The root private key is not a valid SSH private key.")
    elif body.provider in PROVIDERS:
        await _validate_provider(session, user, body, add)
    return errors


async def _validate_provider(session: AsyncSession, user: User, body: ServerCreate, add: object) -> None:
    assert callable(add)
    if body.credential_id is None:
        add("credential_id", "The credential id field is required when the provider is not custom.")
    else:
        try:
            credential = await account.get_credential(session, user, body.credential_id)
        except NotFound:
            add("credential_id", "The credential does not exist.")
        else:
            if credential.type != body.provider:
                add("credential_id", f"The credential is for {credential.type}, not {body.provider}.")
    catalogue = (await account.region_catalogue(session)).regions.get(body.provider, [])
    region = next((r for r in catalogue if r.id == body.region), None)
    if region is None:
        add("region", f"The region must be one of the {body.provider} regions listed by GET /regions.")
    elif body.size not in {s.id for s in region.sizes} | {s.size for s in region.sizes}:
        add("size", f"The size must be one of the sizes of {body.provider} region {body.region}.")
    if body.provider == "aws" and (body.disk_size is None or body.disk_size < 8):
        add("disk_size", "The disk size must be at least 8 (GB) for aws.")


async def create(
    session: AsyncSession, user: User, body: ServerCreate, *, base_url: str, actor: Actor
) -> tuple[Server, str | None]:
    """Create the server; returns it and its provision command (None when Shipyard provisions it now)."""
    errors = await _validate_create(session, user, body)
    if errors:
        raise ValidationFailed(errors)
    custom = body.provider == "custom"
    token = secrets.token_urlsafe(32)
    bootstrap = None
    if custom and (body.root_private_key or body.root_password):
        bootstrap = json.dumps({"private_key": body.root_private_key, "password": body.root_password})
    server = Server(
        user_id=user.id,
        credential_id=body.credential_id,
        name=body.name,
        type=body.type,
        provider=body.provider,
        size=body.size,
        region=body.region,
        ubuntu_version=body.ubuntu_version if custom else body.ubuntu_version or DEFAULT_UBUNTU_VERSION,
        php_version=body.php_version or "",
        php_cli_version=body.php_version or "",
        database_type=body.database_type if body.type in TYPES_WITH_DATABASE else None,
        database_name=body.database,
        ip_address=body.ip_address if custom else None,
        private_ip_address=body.private_ip_address if custom else None,
        ssh_port=body.ssh_port,
        network=body.network,
        tags=body.tags,
        sudo_password=secrets.token_urlsafe(15),
        database_password=secrets.token_urlsafe(15),
        bootstrap_login=bootstrap,
        provision_token_hash=_token_hash(token) if custom else None,
    )
    session.add(server)
    await session.flush()
    if not custom:
        # The machine is created, given Shipyard's key, and then provisioned like a custom server.
        jobs.enqueue(
            session,
            "servers.create_machine",
            {"server_id": server.id, "disk_size": body.disk_size},
            resource_key=resource_key(server.id),
            actor=actor,
        )
        return server, None
    if bootstrap is not None:
        jobs.enqueue(
            session,
            "servers.provision",
            {"server_id": server.id},
            resource_key=resource_key(server.id),
            actor=actor,
        )
        return server, None
    url = shlex.quote(f"{base_url.rstrip('/')}/api/v1/servers/{server.id}/provision.sh?token={quote(token)}")
    return server, f"(curl -fsSL {url} || wget -qO- {url}) > shipyard.sh && bash shipyard.sh"


async def secrets_of(session: AsyncSession, server: Server) -> tuple[str, str]:
    loaded = await repository.with_secrets(session, server.id)
    assert loaded is not None
    return loaded.sudo_password, loaded.database_password


async def page(session: AsyncSession, user: User, *, offset: int, limit: int) -> tuple[Sequence[Server], int]:
    return await repository.page(session, user.id, offset=offset, limit=limit)


async def get(session: AsyncSession, user: User, server_id: int) -> Server:
    server = await repository.owned(session, user.id, server_id)
    if server is None:
        raise NotFound("server")
    return server


async def update(
    session: AsyncSession, user: User, server_id: int, body: ServerUpdate, *, actor: Actor
) -> Server:
    server = await get(session, user, server_id)
    errors: dict[str, list[str]] = {}
    if body.name is not None and not HOSTNAME_LIKE.match(body.name):
        errors["name"] = ["The name may contain letters, digits, '.', '_' and '-' (at most 63)."]
    for field in ("ip_address", "private_ip_address"):
        value = getattr(body, field)
        if value and not is_ip(value):
            errors[field] = [f"The {field.replace('_', ' ')} must be a valid IP address."]
    if body.timezone is not None and not is_timezone(body.timezone):
        errors["timezone"] = ["The timezone must be a valid IANA timezone such as Europe/London."]
    for index, tag in enumerate(body.tags or []):
        if not TAG.match(tag):
            errors[f"tags.{index}"] = [
                "A tag may contain letters, digits, spaces and . _ : / - (at most 64)."
            ]
    if body.network:
        owned = await repository.owned_ids(session, user.id, body.network)
        for index, other in enumerate(body.network):
            if other not in owned or other == server.id:
                errors[f"network.{index}"] = ["The server does not exist."]
    if errors:
        raise ValidationFailed(errors)
    on_host = False
    for field, value in body.model_dump(exclude_unset=True).items():
        if value is None:
            continue
        if field in ("timezone", "max_upload_size", "max_execution_time") and getattr(server, field) != value:
            on_host = True
        setattr(server, field, value)
    if on_host and server.is_ready:
        require_ready(server)
        jobs.enqueue(
            session,
            "servers.apply_settings",
            {"server_id": server.id},
            resource_key=resource_key(server.id),
            actor=actor,
        )
    return server


async def delete(session: AsyncSession, user: User, server_id: int, *, actor: Actor) -> None:
    """A custom server is forgotten at once; a provider's machine is deleted there first (a job),
    after every change queued before it, and only then is the server forgotten."""
    server = await get(session, user, server_id)
    if server.provider == "custom":
        await session.delete(server)
        return
    if server.status == ServerStatus.REMOVING:
        return
    server.status, server.is_ready = ServerStatus.REMOVING, False
    jobs.enqueue(
        session,
        "servers.delete_machine",
        {"server_id": server.id},
        resource_key=resource_key(server.id),
        actor=actor,
    )


async def set_database_password(session: AsyncSession, user: User, server_id: int, password: str) -> None:
    server = await get(session, user, server_id)
    loaded = await repository.with_secrets(session, server.id)
    assert loaded is not None
    loaded.database_password = password


def require_ready(server: Server) -> None:
    """Host actions need a provisioned server that Shipyard may still log in to (Forge's 400)."""
    if not server.is_ready:
        raise ActionFailed("The server is not ready yet.")
    if server.revoked:
        raise ActionFailed("Shipyard's access to this server is revoked; reconnect and reactivate it first.")


async def reboot(session: AsyncSession, user: User, server_id: int, *, actor: Actor) -> None:
    server = await get(session, user, server_id)
    require_ready(server)
    jobs.enqueue(
        session, "servers.reboot", {"server_id": server.id}, resource_key=resource_key(server.id), actor=actor
    )


async def revoke(session: AsyncSession, user: User, server_id: int, *, actor: Actor) -> None:
    server = await get(session, user, server_id)
    jobs.enqueue(
        session, "servers.revoke", {"server_id": server.id}, resource_key=resource_key(server.id), actor=actor
    )


async def public_key(session: AsyncSession, user: User, server_id: int) -> str:
    await get(session, user, server_id)
    return (await identity(get_sessionmaker())).public_openssh


async def reactivate(session: AsyncSession, user: User, server_id: int) -> Server:
    """Check that Shipyard's key works again; only then is the server no longer revoked."""
    server = await get(session, user, server_id)
    if not server.is_ready:
        raise ActionFailed("The server is not ready yet.")
    try:
        await host.run(
            get_sessionmaker(),
            server.id,
            render_facts(),
            description="Reactivating server",
            user_id=user.id,
            time_limit=30,
            fresh_login=True,
        )
    except host.HostActionFailed as exc:
        raise ActionFailed(f"Shipyard still cannot log in to the server: {exc}") from exc
    server.revoked = False
    return server


async def events(
    session: AsyncSession, user: User, server_id: int | None, *, offset: int, limit: int
) -> tuple[Sequence[tuple[ServerEvent, str]], int]:
    if server_id is not None:
        await get(session, user, server_id)
    return await repository.events_page(session, user.id, server_id, offset=offset, limit=limit)


async def event_output(session: AsyncSession, user: User, server_id: int, event_id: int) -> str:
    await get(session, user, server_id)
    event = await repository.event_with_output(session, server_id, event_id)
    if event is None:
        raise NotFound("event")
    return event.output


async def provision_script(session: AsyncSession, server_id: int, token: str, *, base_url: str) -> str:
    """The script behind `provision_command`: authorize Shipyard's key, then call back."""
    server = await repository.by_provision_token(session, server_id, _token_hash(token))
    if server is None:
        raise NotFound("server")
    key = (await identity(get_sessionmaker())).public_openssh
    callback = f"{base_url.rstrip('/')}/api/v1/servers/{server.id}/provision-callback?token={quote(token)}"
    return render_handover(key, callback)


async def provision_callback(session: AsyncSession, server_id: int, token: str) -> Server:
    """The host ran the script: Shipyard's key is in, so provision over SSH (once)."""
    server = await repository.by_provision_token(session, server_id, _token_hash(token))
    if server is None:
        raise NotFound("server")
    server.provision_token_hash = None
    jobs.enqueue(
        session,
        "servers.provision",
        {"server_id": server.id},
        resource_key=resource_key(server.id),
        actor=Actor(user_id=server.user_id),
    )
    return server
