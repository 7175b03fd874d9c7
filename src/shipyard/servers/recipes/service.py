"""Recipe rules: what a recipe may be, and running it on a user's servers.

A run queues one job per server, in line with the server's other changes. Each job runs the
script as it was when the run was asked for (a later edit does not change a queued run), as
the recipe's user in their home directory, and records the output as a server event.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.core.validation import LABEL, LABEL_RULE, UNIX_USER
from shipyard.jobs import service as jobs
from shipyard.servers import service as servers
from shipyard.servers.recipes import repository
from shipyard.servers.recipes.models import Recipe
from shipyard.servers.recipes.schemas import RecipeCreate, RecipeRun, RecipeUpdate


def _validate(name: str | None, user: str | None, script: str | None) -> None:
    errors: dict[str, list[str]] = {}
    if name is not None and not LABEL.match(name):
        errors["name"] = [LABEL_RULE]
    if user is not None and not UNIX_USER.match(user):
        errors["user"] = ["The user must be a valid Unix user name."]
    if script is not None and ("\x00" in script or not script.strip()):
        errors["script"] = ["The script must be non-empty text."]
    if errors:
        raise ValidationFailed(errors)


async def create(session: AsyncSession, user: User, body: RecipeCreate) -> Recipe:
    _validate(body.name, body.user, body.script)
    recipe = Recipe(user_id=user.id, name=body.name.strip(), user=body.user, script=body.script)
    session.add(recipe)
    await session.flush()
    return recipe


async def page(session: AsyncSession, user: User, *, offset: int, limit: int) -> tuple[Sequence[Recipe], int]:
    return await repository.page(session, user.id, offset=offset, limit=limit)


async def get(session: AsyncSession, user: User, recipe_id: int) -> Recipe:
    recipe = await repository.owned(session, user.id, recipe_id)
    if recipe is None:
        raise NotFound("recipe")
    return recipe


async def update(session: AsyncSession, user: User, recipe_id: int, body: RecipeUpdate) -> Recipe:
    recipe = await get(session, user, recipe_id)
    _validate(body.name, body.user, body.script)
    if body.name is not None:
        recipe.name = body.name.strip()
    if body.user is not None:
        recipe.user = body.user
    if body.script is not None:
        recipe.script = body.script
    return recipe


async def delete(session: AsyncSession, user: User, recipe_id: int) -> None:
    await session.delete(await get(session, user, recipe_id))


async def run(session: AsyncSession, user: User, recipe_id: int, body: RecipeRun, *, actor: Actor) -> None:
    """Queue the recipe on every listed server; all must be the user's and ready, or none runs."""
    recipe = await get(session, user, recipe_id)
    errors: dict[str, list[str]] = {}
    targets: list[int] = []
    for index, server_id in enumerate(dict.fromkeys(body.servers)):
        try:
            server = await servers.get(session, user, server_id)
        except NotFound:
            errors[f"servers.{index}"] = [f"The server {server_id} does not exist."]
            continue
        if not server.is_ready:
            errors[f"servers.{index}"] = [f"The server {server.name} is not ready yet."]
            continue
        targets.append(server.id)
    if errors:
        raise ValidationFailed(errors)
    for server_id in targets:
        jobs.enqueue(
            session,
            "recipes.run",
            {
                "server_id": server_id,
                "recipe_id": recipe.id,
                "name": recipe.name,
                "user": recipe.user,
                "script": recipe.script,
                "notify": body.notify,
            },
            resource_key=servers.resource_key(server_id),
            actor=actor,
        )
