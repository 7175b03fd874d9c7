"""What a server's rows (daemons, firewall rules, keys, monitors) share in Forge's API, for the
server's owner: creating one (`POST`, answered `{"daemon": {...}}`), a page of them (`GET`,
`{"daemons": [...]}`), one of them (`GET .../{daemon_id}`) and its removal (`DELETE .../{daemon_id}`).
Any other action is each kind's own business."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import path_id
from shipyard.http.session import DbSession


class HasId(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=HasId)
R_co = TypeVar("R_co", covariant=True)
B = TypeVar("B")
B_contra = TypeVar("B_contra", contravariant=True)

server_id_of = path_id("server_id")


class PageOfServer(Protocol[R_co]):
    """A service's page of a server's rows, and how many there are in all."""

    def __call__(
        self, session: AsyncSession, user: User, server_id: int, *, offset: int, limit: int
    ) -> Awaitable[tuple[Sequence[R_co], int]]: ...


class Create(Protocol[R_co, B_contra]):
    """A service's creation of one of a server's rows from the request's body."""

    def __call__(
        self, session: AsyncSession, user: User, server_id: int, body: B_contra, /, *, actor: Actor
    ) -> Awaitable[R_co]: ...


class Remove(Protocol):
    """A service's removal of one of a server's rows."""

    def __call__(
        self, session: AsyncSession, user: User, server_id: int, row_id: int, /, *, actor: Actor
    ) -> Awaitable[None]: ...


@dataclass(frozen=True)
class OneRow:
    """A request about one row under a parent (a server's daemon or site, a project's heartbeat):
    who asks, in which session, the parent's id and the row's."""

    principal: Principal
    session: AsyncSession
    parent_id: int
    row_id: int


def one_row(guard: Authenticator, key: str, parent: str = "server") -> Callable[..., Awaitable[OneRow]]:
    """The dependency that reads a OneRow: the principal `guard` admits, and the ids in the path
    parameters `{parent}_id` and `{key}_id` (in this order, as the routes' own parameters were)."""
    parent_id_of = path_id(f"{parent}_id")
    row_id_of = path_id(f"{key}_id")

    async def read(
        *,
        principal: Principal = Depends(guard),
        session: DbSession,
        parent_id: int = Depends(parent_id_of),
        row_id: int = Depends(row_id_of),
    ) -> OneRow:
        return OneRow(principal, session, parent_id, row_id)

    return read


def add_routes(
    router: APIRouter,
    *,
    key: str,
    plural: str,
    scope: str,
    audit_as: str,
    read: Callable[[R], BaseModel],
    envelope_model: type[BaseModel],
    list_model: type[BaseModel],
    body: Callable[..., Awaitable[B]],
    create: Create[R, B],
    page: PageOfServer[R],
    get: Callable[[AsyncSession, User, int, int], Awaitable[R]],
    delete: Remove,
) -> None:
    """Add the create, list, get and delete routes of a server's rows to the router (its prefix is
    their path). `key` (`daemon`) names the routes, the id parameter (`daemon_id`) and the bodies'
    keys: one is `{key: read(row)}` (`envelope_model`), a page `{plural: [...]}` (`list_model`);
    `body` is the dependency that reads a new one's request body, `scope` the token scope family,
    `audit_as` the noun of the audit records."""
    guard = Authenticator(scope)
    one_of = one_row(guard, key)

    async def create_row(
        *,
        session: DbSession,
        principal: Principal = Depends(guard),
        server_id: int = Depends(server_id_of),
        content: B = Depends(body),
    ) -> BaseModel:
        row = await create(session, principal.user, server_id, content, actor=principal.actor)
        audit.record(session, principal.actor, f"{audit_as}.create", subject=f"{audit_as}:{row.id}")
        return envelope_model.model_validate({key: read(row)})

    async def list_rows(
        *,
        principal: Principal = Depends(guard),
        session: DbSession,
        paging: Paging,
        server_id: int = Depends(server_id_of),
        request: Request,
        response: Response,
    ) -> BaseModel:
        rows, total = await page(session, principal.user, server_id, offset=paging.offset, limit=paging.size)
        set_page_headers(request, response, paging, total)
        return list_model.model_validate({plural: [read(row) for row in rows]})

    async def get_row(one: OneRow = Depends(one_of)) -> BaseModel:
        row = await get(one.session, one.principal.user, one.parent_id, one.row_id)
        return envelope_model.model_validate({key: read(row)})

    async def delete_row(one: OneRow = Depends(one_of)) -> None:
        await delete(one.session, one.principal.user, one.parent_id, one.row_id, actor=one.principal.actor)
        audit.record(
            one.session, one.principal.actor, f"{audit_as}.delete", subject=f"{audit_as}:{one.row_id}"
        )

    item = f"/{{{key}_id}}"
    router.add_api_route(
        "", create_row, methods=["POST"], response_model=envelope_model, name=f"create_{key}"
    )
    router.add_api_route("", list_rows, methods=["GET"], response_model=list_model, name=f"list_{plural}")
    router.add_api_route(item, get_row, methods=["GET"], response_model=envelope_model, name=f"get_{key}")
    router.add_api_route(item, delete_row, methods=["DELETE"], status_code=204, name=f"delete_{key}")
