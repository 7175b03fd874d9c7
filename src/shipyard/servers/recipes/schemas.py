"""Forge's recipe bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.core.formats import ForgeDateTime, Id

MAX_SCRIPT = 65536


class RecipeCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    user: str = Field(default="root", max_length=64)
    script: str = Field(min_length=1, max_length=MAX_SCRIPT)


class RecipeUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    user: str | None = Field(default=None, max_length=64)
    script: str | None = Field(default=None, min_length=1, max_length=MAX_SCRIPT)


class RecipeRun(BaseModel):
    servers: list[Id] = Field(min_length=1, max_length=100)
    notify: bool = False


class RecipeRead(BaseModel):
    id: int
    name: str
    user: str
    script: str
    created_at: ForgeDateTime


class RecipeEnvelope(BaseModel):
    recipe: RecipeRead


class RecipeList(BaseModel):
    recipes: list[RecipeRead]
