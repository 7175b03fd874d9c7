"""Forge's Blackfire and Papertrail bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field


class BlackfireInstall(BaseModel):
    server_id: str = Field(max_length=128, description="the Blackfire server id (UUID-like)")
    server_token: str = Field(
        max_length=256, description="the Blackfire server token; stored encrypted, never returned"
    )


class PapertrailInstall(BaseModel):
    host: str = Field(
        max_length=300,
        description="Papertrail's log destination: host name or IP, with `:port` (default 514)",
    )
