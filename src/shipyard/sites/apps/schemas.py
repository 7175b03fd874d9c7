"""Forge's WordPress and phpMyAdmin bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AppInstall(BaseModel):
    database: str = Field(
        min_length=1, max_length=64, description="the name of one of the server's databases"
    )
    user: int = Field(ge=1, le=2**31 - 1, description="the id of a database user that may use the database")
