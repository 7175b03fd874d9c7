"""Forge's nginx template bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

MAX_CONTENT = 65536


class TemplateCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    content: str = Field(min_length=1, max_length=MAX_CONTENT)


class TemplateUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    content: str | None = Field(default=None, min_length=1, max_length=MAX_CONTENT)


class TemplateRead(BaseModel):
    id: int
    server_id: int
    name: str
    content: str


class DefaultTemplateRead(BaseModel):
    server_id: int
    name: str
    content: str


class TemplateEnvelope(BaseModel):
    template: TemplateRead


class DefaultTemplateEnvelope(BaseModel):
    template: DefaultTemplateRead


class TemplateList(BaseModel):
    templates: list[TemplateRead]
