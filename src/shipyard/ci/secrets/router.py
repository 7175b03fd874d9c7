"""Woodpecker's secret and registry endpoints at repository, organization and global level."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.models import User
from shipyard.ci.access import RegistriesUser, SecretsUser, require_admin
from shipyard.ci.repos import service as repos
from shipyard.ci.secrets import service
from shipyard.ci.secrets.schemas import (
    RegistryCreate,
    RegistryOut,
    RegistryPatch,
    SecretCreate,
    SecretOut,
    SecretPatch,
)
from shipyard.core.errors import NotFound
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession

router = APIRouter(prefix="/api", tags=["ci secrets"])
Name = Annotated[str, Path(min_length=1, max_length=255)]


async def _repo_scope(session: DbSession, user: User, repo_id: int) -> tuple[int, int]:
    await repos.get(session, user, repo_id, "push")
    return 0, repo_id


async def _org_scope(session: DbSession, user: User, org_id: int) -> tuple[int, int]:
    org = await repos.org_get(session, user, org_id)
    if not repos.org_perm(user, org).admin:
        raise NotFound("organization")
    return org.id, 0


async def _global_scope(user: User, *, write: bool) -> tuple[int, int]:
    if write:
        require_admin(user)
    return 0, 0


# Secrets ----------------------------------------------------------------------------------------


async def _list_secrets(
    session: DbSession, scope: tuple[int, int], paging: Paging, request: Request, response: Response
) -> list[SecretOut]:
    rows, total = await service.list_secrets(session, *scope, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return [service.secret_out(s) for s in rows]


@router.get("/repos/{repo_id}/secrets", response_model=list[SecretOut])
async def list_repo_secrets(
    repo_id: ResourceId,
    principal: SecretsUser,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> list[SecretOut]:
    scope = await _repo_scope(session, principal.user, repo_id)
    return await _list_secrets(session, scope, paging, request, response)


@router.post("/repos/{repo_id}/secrets", response_model=SecretOut)
async def create_repo_secret(
    repo_id: ResourceId, body: SecretCreate, principal: SecretsUser, session: DbSession
) -> SecretOut:
    secret = await service.create_secret(session, *await _repo_scope(session, principal.user, repo_id), body)
    audit.record(session, principal.actor, "ci.secret.create", subject=f"ci-secret:{secret.id}")
    return service.secret_out(secret)


@router.get("/repos/{repo_id}/secrets/{secretName}", response_model=SecretOut)
async def get_repo_secret(
    repo_id: ResourceId, secretName: Name, principal: SecretsUser, session: DbSession
) -> SecretOut:
    scope = await _repo_scope(session, principal.user, repo_id)
    return service.secret_out(await service.get_secret(session, *scope, secretName))


@router.patch("/repos/{repo_id}/secrets/{secretName}", response_model=SecretOut)
async def update_repo_secret(
    repo_id: ResourceId, secretName: Name, body: SecretPatch, principal: SecretsUser, session: DbSession
) -> SecretOut:
    scope = await _repo_scope(session, principal.user, repo_id)
    secret = await service.update_secret(session, *scope, secretName, body)
    audit.record(session, principal.actor, "ci.secret.update", subject=f"ci-secret:{secret.id}")
    return service.secret_out(secret)


@router.delete("/repos/{repo_id}/secrets/{secretName}", status_code=204)
async def delete_repo_secret(
    repo_id: ResourceId, secretName: Name, principal: SecretsUser, session: DbSession
) -> None:
    await service.delete_secret(session, *await _repo_scope(session, principal.user, repo_id), secretName)
    audit.record(session, principal.actor, "ci.secret.delete", subject=f"ci-repo:{repo_id}:{secretName}")


@router.get("/orgs/{org_id}/secrets", response_model=list[SecretOut])
async def list_org_secrets(
    org_id: ResourceId,
    principal: SecretsUser,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> list[SecretOut]:
    scope = await _org_scope(session, principal.user, org_id)
    return await _list_secrets(session, scope, paging, request, response)


@router.post("/orgs/{org_id}/secrets", response_model=SecretOut)
async def create_org_secret(
    org_id: ResourceId, body: SecretCreate, principal: SecretsUser, session: DbSession
) -> SecretOut:
    secret = await service.create_secret(session, *await _org_scope(session, principal.user, org_id), body)
    audit.record(session, principal.actor, "ci.secret.create", subject=f"ci-secret:{secret.id}")
    return service.secret_out(secret)


@router.get("/orgs/{org_id}/secrets/{secret}", response_model=SecretOut)
async def get_org_secret(
    org_id: ResourceId, secret: Name, principal: SecretsUser, session: DbSession
) -> SecretOut:
    scope = await _org_scope(session, principal.user, org_id)
    return service.secret_out(await service.get_secret(session, *scope, secret))


@router.patch("/orgs/{org_id}/secrets/{secret}", response_model=SecretOut)
async def update_org_secret(
    org_id: ResourceId, secret: Name, body: SecretPatch, principal: SecretsUser, session: DbSession
) -> SecretOut:
    scope = await _org_scope(session, principal.user, org_id)
    row = await service.update_secret(session, *scope, secret, body)
    audit.record(session, principal.actor, "ci.secret.update", subject=f"ci-secret:{row.id}")
    return service.secret_out(row)


@router.delete("/orgs/{org_id}/secrets/{secret}", status_code=204)
async def delete_org_secret(
    org_id: ResourceId, secret: Name, principal: SecretsUser, session: DbSession
) -> None:
    await service.delete_secret(session, *await _org_scope(session, principal.user, org_id), secret)
    audit.record(session, principal.actor, "ci.secret.delete", subject=f"ci-org:{org_id}:{secret}")


@router.get("/secrets", response_model=list[SecretOut])
async def list_global_secrets(
    principal: SecretsUser, session: DbSession, paging: Paging, request: Request, response: Response
) -> list[SecretOut]:
    return await _list_secrets(
        session, await _global_scope(principal.user, write=False), paging, request, response
    )


@router.post("/secrets", response_model=SecretOut)
async def create_global_secret(body: SecretCreate, principal: SecretsUser, session: DbSession) -> SecretOut:
    secret = await service.create_secret(session, *await _global_scope(principal.user, write=True), body)
    audit.record(session, principal.actor, "ci.secret.create", subject=f"ci-secret:{secret.id}")
    return service.secret_out(secret)


@router.get("/secrets/{secret}", response_model=SecretOut)
async def get_global_secret(secret: Name, principal: SecretsUser, session: DbSession) -> SecretOut:
    scope = await _global_scope(principal.user, write=False)
    return service.secret_out(await service.get_secret(session, *scope, secret))


@router.patch("/secrets/{secret}", response_model=SecretOut)
async def update_global_secret(
    secret: Name, body: SecretPatch, principal: SecretsUser, session: DbSession
) -> SecretOut:
    row = await service.update_secret(session, *await _global_scope(principal.user, write=True), secret, body)
    audit.record(session, principal.actor, "ci.secret.update", subject=f"ci-secret:{row.id}")
    return service.secret_out(row)


@router.delete("/secrets/{secret}", status_code=204)
async def delete_global_secret(secret: Name, principal: SecretsUser, session: DbSession) -> None:
    await service.delete_secret(session, *await _global_scope(principal.user, write=True), secret)
    audit.record(session, principal.actor, "ci.secret.delete", subject=f"ci-global:{secret}")


# Registries -------------------------------------------------------------------------------------


async def _list_registries(
    session: DbSession, scope: tuple[int, int], paging: Paging, request: Request, response: Response
) -> list[RegistryOut]:
    rows, total = await service.list_registries(session, *scope, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return [service.registry_out(r) for r in rows]


@router.get("/repos/{repo_id}/registries", response_model=list[RegistryOut])
async def list_repo_registries(
    repo_id: ResourceId,
    principal: RegistriesUser,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> list[RegistryOut]:
    scope = await _repo_scope(session, principal.user, repo_id)
    return await _list_registries(session, scope, paging, request, response)


@router.post("/repos/{repo_id}/registries", response_model=RegistryOut)
async def create_repo_registry(
    repo_id: ResourceId, body: RegistryCreate, principal: RegistriesUser, session: DbSession
) -> RegistryOut:
    row = await service.create_registry(session, *await _repo_scope(session, principal.user, repo_id), body)
    audit.record(session, principal.actor, "ci.registry.create", subject=f"ci-registry:{row.id}")
    return service.registry_out(row)


@router.get("/repos/{repo_id}/registries/{registry}", response_model=RegistryOut)
async def get_repo_registry(
    repo_id: ResourceId, registry: Name, principal: RegistriesUser, session: DbSession
) -> RegistryOut:
    scope = await _repo_scope(session, principal.user, repo_id)
    return service.registry_out(await service.get_registry(session, *scope, registry))


@router.patch("/repos/{repo_id}/registries/{registry}", response_model=RegistryOut)
async def update_repo_registry(
    repo_id: ResourceId, registry: Name, body: RegistryPatch, principal: RegistriesUser, session: DbSession
) -> RegistryOut:
    scope = await _repo_scope(session, principal.user, repo_id)
    row = await service.update_registry(session, *scope, registry, body)
    audit.record(session, principal.actor, "ci.registry.update", subject=f"ci-registry:{row.id}")
    return service.registry_out(row)


@router.delete("/repos/{repo_id}/registries/{registry}", status_code=204)
async def delete_repo_registry(
    repo_id: ResourceId, registry: Name, principal: RegistriesUser, session: DbSession
) -> None:
    await service.delete_registry(session, *await _repo_scope(session, principal.user, repo_id), registry)
    audit.record(session, principal.actor, "ci.registry.delete", subject=f"ci-repo:{repo_id}:{registry}")


@router.get("/orgs/{org_id}/registries", response_model=list[RegistryOut])
async def list_org_registries(
    org_id: ResourceId,
    principal: RegistriesUser,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> list[RegistryOut]:
    scope = await _org_scope(session, principal.user, org_id)
    return await _list_registries(session, scope, paging, request, response)


@router.post("/orgs/{org_id}/registries", response_model=RegistryOut)
async def create_org_registry(
    org_id: ResourceId, body: RegistryCreate, principal: RegistriesUser, session: DbSession
) -> RegistryOut:
    row = await service.create_registry(session, *await _org_scope(session, principal.user, org_id), body)
    audit.record(session, principal.actor, "ci.registry.create", subject=f"ci-registry:{row.id}")
    return service.registry_out(row)


@router.get("/orgs/{org_id}/registries/{registry}", response_model=RegistryOut)
async def get_org_registry(
    org_id: ResourceId, registry: Name, principal: RegistriesUser, session: DbSession
) -> RegistryOut:
    scope = await _org_scope(session, principal.user, org_id)
    return service.registry_out(await service.get_registry(session, *scope, registry))


@router.patch("/orgs/{org_id}/registries/{registry}", response_model=RegistryOut)
async def update_org_registry(
    org_id: ResourceId, registry: Name, body: RegistryPatch, principal: RegistriesUser, session: DbSession
) -> RegistryOut:
    scope = await _org_scope(session, principal.user, org_id)
    row = await service.update_registry(session, *scope, registry, body)
    audit.record(session, principal.actor, "ci.registry.update", subject=f"ci-registry:{row.id}")
    return service.registry_out(row)


@router.delete("/orgs/{org_id}/registries/{registry}", status_code=204)
async def delete_org_registry(
    org_id: ResourceId, registry: Name, principal: RegistriesUser, session: DbSession
) -> None:
    await service.delete_registry(session, *await _org_scope(session, principal.user, org_id), registry)
    audit.record(session, principal.actor, "ci.registry.delete", subject=f"ci-org:{org_id}:{registry}")


@router.get("/registries", response_model=list[RegistryOut])
async def list_global_registries(
    principal: RegistriesUser, session: DbSession, paging: Paging, request: Request, response: Response
) -> list[RegistryOut]:
    scope = await _global_scope(principal.user, write=False)
    return await _list_registries(session, scope, paging, request, response)


@router.post("/registries", response_model=RegistryOut)
async def create_global_registry(
    body: RegistryCreate, principal: RegistriesUser, session: DbSession
) -> RegistryOut:
    row = await service.create_registry(session, *await _global_scope(principal.user, write=True), body)
    audit.record(session, principal.actor, "ci.registry.create", subject=f"ci-registry:{row.id}")
    return service.registry_out(row)


@router.get("/registries/{registry}", response_model=RegistryOut)
async def get_global_registry(registry: Name, principal: RegistriesUser, session: DbSession) -> RegistryOut:
    scope = await _global_scope(principal.user, write=False)
    return service.registry_out(await service.get_registry(session, *scope, registry))


@router.patch("/registries/{registry}", response_model=RegistryOut)
async def update_global_registry(
    registry: Name, body: RegistryPatch, principal: RegistriesUser, session: DbSession
) -> RegistryOut:
    scope = await _global_scope(principal.user, write=True)
    row = await service.update_registry(session, *scope, registry, body)
    audit.record(session, principal.actor, "ci.registry.update", subject=f"ci-registry:{row.id}")
    return service.registry_out(row)


@router.delete("/registries/{registry}", status_code=204)
async def delete_global_registry(registry: Name, principal: RegistriesUser, session: DbSession) -> None:
    await service.delete_registry(session, *await _global_scope(principal.user, write=True), registry)
    audit.record(session, principal.actor, "ci.registry.delete", subject=f"ci-global:{registry}")
