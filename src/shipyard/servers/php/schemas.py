"""Forge's PHP bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PhpVersionBody(BaseModel):
    version: str = Field(max_length=16)


class PhpVersionRead(BaseModel):
    id: int
    version: str
    status: str
    displayable_version: str
    binary_name: str
    used_as_default: bool
    used_on_cli: bool
