"""Forge's service action bodies and answers."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ServiceAction(BaseModel):
    service: str = Field(min_length=1, max_length=128)


class PhpReboot(BaseModel):
    version: str | None = Field(
        default=None, max_length=16, description="e.g. php82; the server's by default"
    )


class NginxTest(BaseModel):
    result: str
