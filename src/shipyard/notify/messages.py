"""A notification message and its shapes: e-mail text and the JSON each chat webhook expects.

Pure functions: no database, no network. `payload(channel, message)` gives
- Slack (incoming webhook): `text` plus one coloured attachment with the facts as fields;
- Discord (webhook): `username` and one embed (title, description, colour, fields, timestamp);
- Microsoft Teams (Workflows "when a Teams webhook request is received", and the older incoming
  webhook connectors): a `message` with one Adaptive Card attachment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

SENDER = "Shipyard"


class Level(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


class Channel(StrEnum):
    SLACK = "slack"
    DISCORD = "discord"
    TEAMS = "teams"


# Slack attachment colours, Discord embed colours (RGB as an integer), Adaptive Card text colours.
SLACK_COLORS = {Level.SUCCESS: "good", Level.FAILURE: "danger"}
DISCORD_COLORS = {Level.SUCCESS: 0x2EB67D, Level.FAILURE: 0xE01E5A}
TEAMS_COLORS = {Level.SUCCESS: "Good", Level.FAILURE: "Attention"}


@dataclass(frozen=True)
class Message:
    """What happened (`title`), in a sentence or two (`text`), with named details (`facts`)."""

    title: str
    text: str
    level: Level
    at: datetime
    facts: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe form (job arguments)."""
        return {
            "title": self.title,
            "text": self.text,
            "level": self.level.value,
            "at": self.at.isoformat(),
            "facts": [list(fact) for fact in self.facts],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        return cls(
            title=str(data["title"]),
            text=str(data["text"]),
            level=Level(data["level"]),
            at=datetime.fromisoformat(data["at"]),
            facts=tuple((str(name), str(value)) for name, value in data.get("facts", [])),
        )


def email(message: Message) -> tuple[str, str]:
    """(subject, plain-text body)."""
    paragraphs = [message.text]
    if message.facts:
        paragraphs.append("\n".join(f"{name}: {value}" for name, value in message.facts))
    paragraphs.append(f"-- {SENDER}, {message.at.isoformat(timespec='seconds')}")
    return message.title, "\n\n".join(paragraphs) + "\n"


def slack(message: Message) -> dict[str, Any]:
    return {
        "username": SENDER,
        "text": message.title,
        "attachments": [
            {
                "fallback": f"{message.title}: {message.text}",
                "color": SLACK_COLORS[message.level],
                "text": message.text,
                "fields": [{"title": name, "value": value, "short": True} for name, value in message.facts],
                "footer": SENDER,
                "ts": int(message.at.timestamp()),
            }
        ],
    }


def discord(message: Message) -> dict[str, Any]:
    return {
        "username": SENDER,
        "embeds": [
            {
                "title": message.title[:256],
                "description": message.text[:4096],
                "color": DISCORD_COLORS[message.level],
                "fields": [
                    {"name": name[:256], "value": value[:1024] or "-", "inline": True}
                    for name, value in message.facts[:25]
                ],
                "timestamp": message.at.isoformat(),
            }
        ],
    }


def teams(message: Message) -> dict[str, Any]:
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {
                "type": "TextBlock",
                "text": message.title,
                "weight": "Bolder",
                "size": "Medium",
                "color": TEAMS_COLORS[message.level],
                "wrap": True,
            },
            {"type": "TextBlock", "text": message.text, "wrap": True},
            {"type": "FactSet", "facts": [{"title": name, "value": value} for name, value in message.facts]},
        ],
    }
    return {
        "type": "message",
        "summary": message.title,
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }


def payload(channel: Channel, message: Message) -> dict[str, Any]:
    """The JSON body to POST to a webhook of `channel`."""
    shapes = {Channel.SLACK: slack, Channel.DISCORD: discord, Channel.TEAMS: teams}
    return shapes[channel](message)
