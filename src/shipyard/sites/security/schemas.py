"""Forge's security rule bodies: credentials go in with passwords and come out without them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.core.formats import ForgeDateTime

MAX_CREDENTIALS = 100


class CredentialCreate(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=72, description="at most 72 bytes (bcrypt)")


class SecurityRuleCreate(BaseModel):
    name: str = Field(min_length=1, max_length=64, description="the realm browsers show")
    path: str | None = Field(default=None, max_length=255, description="null or empty: the whole site")
    credentials: list[CredentialCreate] = Field(min_length=1, max_length=MAX_CREDENTIALS)


class CredentialRead(BaseModel):
    id: int
    username: str
    created_at: ForgeDateTime


class SecurityRuleRead(BaseModel):
    id: int
    name: str
    path: str | None
    status: str
    created_at: ForgeDateTime
    credentials: list[CredentialRead]


class SecurityRuleEnvelope(BaseModel):
    security_rule: SecurityRuleRead


class SecurityRuleList(BaseModel):
    security_rules: list[SecurityRuleRead]
