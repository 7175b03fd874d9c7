"""Forge's firewall rule bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from shipyard.core.formats import ForgeDateTime

RULE_TYPES = ("allow", "deny")


def _port_text(value: object) -> object:
    """JSON bodies send the port as a number, form bodies as text: validate both as text."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# One port (8080) or a range ("8000:8100"); the service checks the numbers.
PortInput = Annotated[
    str,
    BeforeValidator(_port_text),
    Field(max_length=11),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 1, "maximum": 65535},
                {"type": "string", "maxLength": 11, "examples": ["8000:8100"]},
            ]
        }
    ),
]


class FirewallRuleCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    ip_address: str | None = Field(default=None, max_length=64)
    port: PortInput
    type: str = "allow"


class FirewallRuleRead(BaseModel):
    id: int
    name: str
    port: int | str  # an int for one port, "8000:8100" for a range
    type: str
    ip_address: str | None
    status: str
    created_at: ForgeDateTime


class FirewallRuleEnvelope(BaseModel):
    rule: FirewallRuleRead


class FirewallRuleList(BaseModel):
    rules: list[FirewallRuleRead]
