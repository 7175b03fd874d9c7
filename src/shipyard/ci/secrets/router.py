"""Woodpecker's secret and registry endpoints at repository, organization and global level: the
same five routes (list, create, get, update, delete) for each kind at each level, built by
`add_routes`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.auth.models import User
from shipyard.ci.access import require_admin
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
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import path_id
from shipyard.http.session import DbSession

router = APIRouter(prefix="/api", tags=["ci secrets"])


# Levels -----------------------------------------------------------------------------------------


async def _no_ref() -> int:
    return 0


# A repository's secrets are for those who may push to it, an organization's for its admins; global
# ones everyone may read and only administrators change.
async def _repo_scope(session: AsyncSession, user: User, repo_id: int, *, write: bool) -> tuple[int, int]:
    await repos.get(session, user, repo_id, "push")
    return 0, repo_id


async def _org_scope(session: AsyncSession, user: User, org_id: int, *, write: bool) -> tuple[int, int]:
    return (await repos.org_admin(session, user, org_id)).id, 0


async def _global_scope(session: AsyncSession, user: User, ref: int, *, write: bool) -> tuple[int, int]:
    if write:
        require_admin(user)
    return 0, 0


class Scope(Protocol):
    """Checks that `user` may read (or `write`) at a level and gives its (org_id, repo_id)."""

    def __call__(
        self, session: AsyncSession, user: User, ref: int, /, *, write: bool
    ) -> Awaitable[tuple[int, int]]: ...


@dataclass(frozen=True)
class Level:
    """Where secrets and registries live: `name` names the routes, `prefix` is the path before
    `/secrets`, `ref` is the dependency that reads the level's id from the path (0 when it has
    none), `owner` is how a deleted one's audit subject starts (`{ref}` is the level's id)."""

    name: str
    prefix: str
    ref: Callable[..., Awaitable[int]]
    scope: Scope
    owner: str


REPO = Level("repo", "/repos/{repo_id}", path_id("repo_id"), _repo_scope, "ci-repo:{ref}")
ORG = Level("org", "/orgs/{org_id}", path_id("org_id"), _org_scope, "ci-org:{ref}")
GLOBAL = Level("global", "", _no_ref, _global_scope, "ci-global")


# Kinds ------------------------------------------------------------------------------------------


class HasId(Protocol):
    @property
    def id(self) -> int: ...


RowT = TypeVar("RowT", bound=HasId)
RowT_co = TypeVar("RowT_co", bound=HasId, covariant=True)
CreateT = TypeVar("CreateT", bound=BaseModel)
PatchT = TypeVar("PatchT", bound=BaseModel)


class Page(Protocol[RowT_co]):
    """A service's page of one level's rows and their total."""

    def __call__(
        self, session: AsyncSession, org_id: int, repo_id: int, *, offset: int, limit: int
    ) -> Awaitable[tuple[Sequence[RowT_co], int]]: ...


@dataclass(frozen=True)
class Kind(Generic[RowT, CreateT, PatchT]):
    """Secrets or registries: `noun` and `plural` name the routes, paths, token scopes and audit
    records, `out` gives a row's `out_model`, `create_body`/`patch_body` are the dependencies that
    read the request bodies, the rest are the service's functions (each takes (org_id, repo_id))."""

    noun: str
    plural: str
    out_model: type[BaseModel]
    out: Callable[[RowT], BaseModel]
    create_body: Callable[..., Awaitable[CreateT]]
    patch_body: Callable[..., Awaitable[PatchT]]
    page: Page[RowT]
    get: Callable[[AsyncSession, int, int, str], Awaitable[RowT]]
    create: Callable[[AsyncSession, int, int, CreateT], Awaitable[RowT]]
    update: Callable[[AsyncSession, int, int, str, PatchT], Awaitable[RowT]]
    delete: Callable[[AsyncSession, int, int, str], Awaitable[None]]


async def _secret_create(body: SecretCreate) -> SecretCreate:
    return body


async def _secret_patch(body: SecretPatch) -> SecretPatch:
    return body


async def _registry_create(body: RegistryCreate) -> RegistryCreate:
    return body


async def _registry_patch(body: RegistryPatch) -> RegistryPatch:
    return body


SECRETS = Kind(
    "secret", "secrets", SecretOut, service.secret_out, _secret_create, _secret_patch,
    page=service.list_secrets, get=service.get_secret, create=service.create_secret,
    update=service.update_secret, delete=service.delete_secret,
)  # fmt: skip
REGISTRIES = Kind(
    "registry", "registries", RegistryOut, service.registry_out, _registry_create, _registry_patch,
    page=service.list_registries, get=service.get_registry, create=service.create_registry,
    update=service.update_registry, delete=service.delete_registry,
)  # fmt: skip


# Routes -----------------------------------------------------------------------------------------


def _item(param: str) -> Callable[[str], Awaitable[str]]:
    """The dependency that reads one secret's (registry's) name from the path parameter `param`."""

    async def item(name: str = Path(alias=param, min_length=1, max_length=255)) -> str:
        return name

    return item


@dataclass(frozen=True)
class Call:
    """One request for a secret (registry) at a level: who asks, in which session, where."""

    principal: Principal
    session: AsyncSession
    level: Level
    ref: int

    async def scope(self, *, write: bool) -> tuple[int, int]:
        return await self.level.scope(self.session, self.principal.user, self.ref, write=write)

    def audit(self, action: str, subject: str) -> None:
        audit.record(self.session, self.principal.actor, action, subject=subject)


def add_routes(level: Level, kind: Kind[RowT, CreateT, PatchT], *, item: str) -> None:
    """Register the list, create, get, update and delete routes of `kind` at `level`; `item` names
    the path parameter of one (`secretName`, `secret`, `registry`)."""
    path = f"{level.prefix}/{kind.plural}"
    guard = Authenticator(kind.plural)
    read_name = _item(item)

    async def call(
        *, principal: Principal = Depends(guard), session: DbSession, ref: int = Depends(level.ref)
    ) -> Call:
        return Call(principal, session, level, ref)

    async def list_rows(
        *,
        principal: Principal = Depends(guard),
        session: DbSession,
        paging: Paging,
        ref: int = Depends(level.ref),
        request: Request,
        response: Response,
    ) -> list[BaseModel]:
        scope = await level.scope(session, principal.user, ref, write=False)
        rows, total = await kind.page(session, *scope, offset=paging.offset, limit=paging.size)
        set_page_headers(request, response, paging, total)
        return [kind.out(row) for row in rows]

    async def create_row(at: Call = Depends(call), body: CreateT = Depends(kind.create_body)) -> BaseModel:
        row = await kind.create(at.session, *await at.scope(write=True), body)
        at.audit(f"ci.{kind.noun}.create", f"ci-{kind.noun}:{row.id}")
        return kind.out(row)

    async def get_row(at: Call = Depends(call), name: str = Depends(read_name)) -> BaseModel:
        return kind.out(await kind.get(at.session, *await at.scope(write=False), name))

    async def update_row(
        at: Call = Depends(call), name: str = Depends(read_name), body: PatchT = Depends(kind.patch_body)
    ) -> BaseModel:
        row = await kind.update(at.session, *await at.scope(write=True), name, body)
        at.audit(f"ci.{kind.noun}.update", f"ci-{kind.noun}:{row.id}")
        return kind.out(row)

    async def delete_row(at: Call = Depends(call), name: str = Depends(read_name)) -> None:
        await kind.delete(at.session, *await at.scope(write=True), name)
        at.audit(f"ci.{kind.noun}.delete", f"{level.owner.format(ref=at.ref)}:{name}")

    one = f"{path}/{{{item}}}"
    names = f"{level.name}_{kind.plural}"
    named = f"{level.name}_{kind.noun}"
    model = kind.out_model
    listed = list[model]  # type: ignore[valid-type]
    router.add_api_route(path, list_rows, methods=["GET"], response_model=listed, name=f"list_{names}")
    router.add_api_route(path, create_row, methods=["POST"], response_model=model, name=f"create_{named}")
    router.add_api_route(one, get_row, methods=["GET"], response_model=model, name=f"get_{named}")
    router.add_api_route(one, update_row, methods=["PATCH"], response_model=model, name=f"update_{named}")
    router.add_api_route(one, delete_row, methods=["DELETE"], status_code=204, name=f"delete_{named}")


add_routes(REPO, SECRETS, item="secretName")
add_routes(ORG, SECRETS, item="secret")
add_routes(GLOBAL, SECRETS, item="secret")
add_routes(REPO, REGISTRIES, item="registry")
add_routes(ORG, REGISTRIES, item="registry")
add_routes(GLOBAL, REGISTRIES, item="registry")
