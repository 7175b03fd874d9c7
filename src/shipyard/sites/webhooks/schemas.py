"""Forge's webhook bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.core.formats import ForgeDateTime

MAX_URL = 2048


class WebhookCreate(BaseModel):
    url: str = Field(min_length=1, max_length=MAX_URL, description="an http(s) URL")


class WebhookRead(BaseModel):
    id: int
    url: str
    created_at: ForgeDateTime


class WebhookEnvelope(BaseModel):
    webhook: WebhookRead


class WebhookList(BaseModel):
    webhooks: list[WebhookRead]
