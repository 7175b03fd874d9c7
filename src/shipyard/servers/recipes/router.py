"""Forge's recipe endpoints: `/api/v1/recipes`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.recipes import service
from shipyard.servers.recipes.models import Recipe
from shipyard.servers.recipes.schemas import (
    RecipeCreate,
    RecipeEnvelope,
    RecipeList,
    RecipeRead,
    RecipeRun,
    RecipeUpdate,
)

router = APIRouter(prefix="/api/v1/recipes", tags=["recipes"])

RecipesPrincipal = Annotated[Principal, Depends(Authenticator("recipes"))]


def recipe_read(recipe: Recipe) -> RecipeRead:
    return RecipeRead(
        id=recipe.id, name=recipe.name, user=recipe.user, script=recipe.script, created_at=recipe.created_at
    )


@router.post("", response_model=RecipeEnvelope)
async def create_recipe(
    body: RecipeCreate, principal: RecipesPrincipal, session: DbSession
) -> RecipeEnvelope:
    recipe = await service.create(session, principal.user, body)
    audit.record(session, principal.actor, "recipe.create", subject=f"recipe:{recipe.id}")
    return RecipeEnvelope(recipe=recipe_read(recipe))


@router.get("", response_model=RecipeList)
async def list_recipes(
    principal: RecipesPrincipal, session: DbSession, paging: Paging, request: Request, response: Response
) -> RecipeList:
    rows, total = await service.page(session, principal.user, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return RecipeList(recipes=[recipe_read(row) for row in rows])


@router.get("/{recipe_id}", response_model=RecipeEnvelope)
async def get_recipe(
    recipe_id: ResourceId, principal: RecipesPrincipal, session: DbSession
) -> RecipeEnvelope:
    return RecipeEnvelope(recipe=recipe_read(await service.get(session, principal.user, recipe_id)))


@router.put("/{recipe_id}", response_model=RecipeEnvelope)
async def update_recipe(
    recipe_id: ResourceId, body: RecipeUpdate, principal: RecipesPrincipal, session: DbSession
) -> RecipeEnvelope:
    recipe = await service.update(session, principal.user, recipe_id, body)
    audit.record(session, principal.actor, "recipe.update", subject=f"recipe:{recipe_id}")
    return RecipeEnvelope(recipe=recipe_read(recipe))


@router.delete("/{recipe_id}", status_code=204)
async def delete_recipe(recipe_id: ResourceId, principal: RecipesPrincipal, session: DbSession) -> None:
    await service.delete(session, principal.user, recipe_id)
    audit.record(session, principal.actor, "recipe.delete", subject=f"recipe:{recipe_id}")


@router.post("/{recipe_id}/run", status_code=200)
async def run_recipe(
    recipe_id: ResourceId, body: RecipeRun, principal: RecipesPrincipal, session: DbSession
) -> Response:
    """Queues the run on every server; each server's output becomes one of its events."""
    await service.run(session, principal.user, recipe_id, body, actor=principal.actor)
    audit.record(session, principal.actor, "recipe.run", subject=f"recipe:{recipe_id}")
    return Response(status_code=200)
