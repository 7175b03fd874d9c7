"""Envoyer's environment bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.core.formats import Id


class EnvironmentUpdate(BaseModel):
    key: str = Field(min_length=1, max_length=1024)
    contents: str = Field(default="", max_length=131072)
    servers: list[Id] = Field(default_factory=list, max_length=100)


class EnvironmentReset(BaseModel):
    key: str = Field(min_length=1, max_length=1024)


class EnvironmentRead(BaseModel):
    environment: str
