"""Secrets and registries at three levels: global (0, 0), organization (org, 0), repository (0, repo)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.compiler.compiler import SecretEntry
from shipyard.ci.secrets import repository
from shipyard.ci.secrets.models import Registry, Secret
from shipyard.ci.secrets.schemas import (
    RegistryCreate,
    RegistryOut,
    RegistryPatch,
    SecretCreate,
    SecretOut,
    SecretPatch,
)
from shipyard.core.errors import Conflict, NotFound, ValidationFailed

SECRET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,254}\Z")
ADDRESS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.:_/-]{0,254}\Z")


def secret_out(secret: Secret) -> SecretOut:
    return SecretOut(
        id=secret.id,
        org_id=secret.org_id,
        repo_id=secret.repo_id,
        name=secret.name,
        images=secret.images,
        events=secret.events,
        note=secret.note,
    )


def registry_out(registry: Registry) -> RegistryOut:
    return RegistryOut(
        id=registry.id,
        org_id=registry.org_id,
        repo_id=registry.repo_id,
        address=registry.address,
        username=registry.username,
        readonly=registry.readonly,
    )


def _check_name(name: str) -> str:
    if not SECRET_NAME.match(name):
        raise ValidationFailed({"name": ["A secret name is letters, digits, '_', '.' and '-'."]})
    return name.lower()


async def list_secrets(
    session: AsyncSession, org_id: int, repo_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Secret], int]:
    return await repository.secrets_page(session, org_id, repo_id, offset=offset, limit=limit)


async def get_secret(session: AsyncSession, org_id: int, repo_id: int, name: str) -> Secret:
    secret = await repository.secret(session, org_id, repo_id, name)
    if secret is None:
        raise NotFound("secret")
    return secret


async def create_secret(session: AsyncSession, org_id: int, repo_id: int, body: SecretCreate) -> Secret:
    name = _check_name(body.name)
    if await repository.secret(session, org_id, repo_id, name) is not None:
        raise Conflict(f"A secret named {name} exists already.")
    secret = Secret(
        org_id=org_id,
        repo_id=repo_id,
        name=name,
        value=body.value,
        images=body.images,
        events=list(body.events),
        note=body.note,
    )
    session.add(secret)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"A secret named {name} exists already.") from exc
    return secret


async def update_secret(
    session: AsyncSession, org_id: int, repo_id: int, name: str, body: SecretPatch
) -> Secret:
    secret = await get_secret(session, org_id, repo_id, name)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "name" in changes:
        new = _check_name(changes.pop("name"))
        other = await repository.secret(session, org_id, repo_id, new)
        if other is not None and other.id != secret.id:
            raise Conflict(f"A secret named {new} exists already.")
        secret.name = new
    if changes.get("value") == "":
        changes.pop("value")
    for key, value in changes.items():
        setattr(secret, key, list(value) if isinstance(value, list) else value)
    await session.flush()
    return secret


async def delete_secret(session: AsyncSession, org_id: int, repo_id: int, name: str) -> None:
    await session.delete(await get_secret(session, org_id, repo_id, name))


async def for_pipeline(session: AsyncSession, org_id: int, repo_id: int) -> list[SecretEntry]:
    """What a repository's pipelines may use: a repository secret beats an organization's, which
    beats a global one of the same name."""
    chosen: dict[str, tuple[int, Secret]] = {}
    for secret in await repository.visible_secrets(session, org_id, repo_id):
        level = 2 if secret.repo_id else 1 if secret.org_id else 0
        if secret.name not in chosen or chosen[secret.name][0] < level:
            chosen[secret.name] = (level, secret)
    return [
        SecretEntry(s.name, s.value, tuple(s.events), tuple(s.images)) for _, s in sorted(chosen.values())
    ]


async def list_registries(
    session: AsyncSession, org_id: int, repo_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Registry], int]:
    return await repository.registries_page(session, org_id, repo_id, offset=offset, limit=limit)


async def get_registry(session: AsyncSession, org_id: int, repo_id: int, address: str) -> Registry:
    registry = await repository.registry(session, org_id, repo_id, address)
    if registry is None:
        raise NotFound("registry")
    return registry


def _check_address(address: str) -> str:
    if not ADDRESS.match(address):
        raise ValidationFailed(
            {"address": ["A registry address is a host name with an optional port and path."]}
        )
    return address


async def create_registry(session: AsyncSession, org_id: int, repo_id: int, body: RegistryCreate) -> Registry:
    address = _check_address(body.address)
    if await repository.registry(session, org_id, repo_id, address) is not None:
        raise Conflict(f"A registry {address} exists already.")
    registry = Registry(
        org_id=org_id, repo_id=repo_id, address=address, username=body.username, password=body.password
    )
    session.add(registry)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"A registry {address} exists already.") from exc
    return registry


async def update_registry(
    session: AsyncSession, org_id: int, repo_id: int, address: str, body: RegistryPatch
) -> Registry:
    registry = await get_registry(session, org_id, repo_id, address)
    if registry.readonly:
        raise ValidationFailed({"address": ["This registry is read-only."]})
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "address" in changes:
        registry.address = _check_address(changes.pop("address"))
    for key, value in changes.items():
        setattr(registry, key, value)
    await session.flush()
    return registry


async def delete_registry(session: AsyncSession, org_id: int, repo_id: int, address: str) -> None:
    registry = await get_registry(session, org_id, repo_id, address)
    if registry.readonly:
        raise ValidationFailed({"address": ["This registry is read-only."]})
    await session.delete(registry)


async def delete_for_repo(session: AsyncSession, repo_id: int) -> None:
    """A removed repository's secrets and registries go with it (ids may be reused on SQLite)."""
    await repository.delete_scope(session, 0, repo_id)


async def delete_for_org(session: AsyncSession, org_id: int) -> None:
    await repository.delete_scope(session, org_id, 0)
