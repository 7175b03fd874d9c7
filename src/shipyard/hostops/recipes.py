"""Renderer for recipes: the user's script, uploaded as a file and run by bash in their home."""

from __future__ import annotations

from shipyard.core.script import Script
from shipyard.hostops.render import script


def render_run(recipe_script: str) -> Script:
    """The recipe's own text is the payload, never part of the rendered shell: it is a file."""
    return script("recipe-run", "recipe_run.sh.j2", files={"recipe.sh": recipe_script}, idempotent=False)
