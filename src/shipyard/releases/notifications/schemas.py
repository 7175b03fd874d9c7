"""Envoyer's notification bodies: `type` and the matching `email_address` or `*_webhook` field."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

NotificationType = Literal["email", "slack", "discord", "teams"]
# The request field that carries each type's destination.
FIELDS = {
    "email": "email_address",
    "slack": "slack_webhook",
    "discord": "discord_webhook",
    "teams": "teams_webhook",
}


class NotificationCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    type: NotificationType
    email_address: str | None = Field(default=None, max_length=255)
    slack_webhook: str | None = Field(default=None, max_length=2048)
    discord_webhook: str | None = Field(default=None, max_length=2048)
    teams_webhook: str | None = Field(default=None, max_length=2048)


class NotificationUpdate(BaseModel):
    """The create fields, each optional: what is given changes."""

    name: str | None = Field(default=None, min_length=1, max_length=255)
    type: NotificationType | None = None
    email_address: str | None = Field(default=None, max_length=255)
    slack_webhook: str | None = Field(default=None, max_length=2048)
    discord_webhook: str | None = Field(default=None, max_length=2048)
    teams_webhook: str | None = Field(default=None, max_length=2048)


class NotificationRead(BaseModel):
    id: int
    project_id: int
    name: str
    type: str
    # {"email": address} or {"webhook": the URL, masked}
    options: dict[str, str]
    active: int
    created_at: datetime
    updated_at: datetime


class NotificationEnvelope(BaseModel):
    notification: NotificationRead


class NotificationList(BaseModel):
    notifications: list[NotificationRead]
