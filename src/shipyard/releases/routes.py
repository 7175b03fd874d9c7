"""What a project's parts (heartbeats, notifications, collaborators) share in Envoyer's API, for the
project's owner: all of them (`GET`, `{"heartbeats": [...]}`), one of them (`GET .../{heartbeat_id}`,
`{"heartbeat": {...}}`) and removing one (`DELETE .../{heartbeat_id}`). The routers add their other
routes between these, in the order the API lists them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.auth.models import User
from shipyard.http.params import path_id
from shipyard.http.session import DbSession
from shipyard.servers.routes import OneRow, one_row

R = TypeVar("R")


def add_list_and_get(
    router: APIRouter,
    *,
    key: str,
    plural: str,
    scope: str,
    read: Callable[[R], BaseModel],
    envelope_model: type[BaseModel],
    list_model: type[BaseModel],
    all_of: Callable[[AsyncSession, User, int], Awaitable[Sequence[R]]],
    get: Callable[[AsyncSession, User, int, int], Awaitable[R]],
) -> None:
    """Add the list and get routes of a project's parts to the router (its prefix is their path).
    `key` (`heartbeat`) names the routes, the id parameter (`heartbeat_id`) and the bodies' keys:
    one is `{key: read(row)}` (`envelope_model`), all `{plural: [...]}` (`list_model`); `scope` is
    the token scope family."""
    guard = Authenticator(scope)

    async def list_rows(
        *,
        principal: Principal = Depends(guard),
        session: DbSession,
        project_id: int = Depends(path_id("project_id")),
    ) -> BaseModel:
        rows = await all_of(session, principal.user, project_id)
        return list_model.model_validate({plural: [read(row) for row in rows]})

    async def get_row(one: OneRow = Depends(one_row(guard, key, "project"))) -> BaseModel:
        row = await get(one.session, one.principal.user, one.parent_id, one.row_id)
        return envelope_model.model_validate({key: read(row)})

    router.add_api_route("", list_rows, methods=["GET"], response_model=list_model, name=f"list_{plural}")
    router.add_api_route(
        f"/{{{key}_id}}", get_row, methods=["GET"], response_model=envelope_model, name=f"get_{key}"
    )


def add_delete(
    router: APIRouter,
    *,
    key: str,
    scope: str,
    delete: Callable[[AsyncSession, User, int, int], Awaitable[None]],
) -> None:
    """Add the route that removes one of a project's parts, audited as `project.{key}.delete`."""

    async def delete_row(one: OneRow = Depends(one_row(Authenticator(scope), key, "project"))) -> None:
        await delete(one.session, one.principal.user, one.parent_id, one.row_id)
        audit.record(one.session, one.principal.actor, f"project.{key}.delete", subject=f"{key}:{one.row_id}")

    router.add_api_route(
        f"/{{{key}_id}}", delete_row, methods=["DELETE"], status_code=204, name=f"delete_{key}"
    )
