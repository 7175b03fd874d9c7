"""Request and response bodies of the user and token endpoints."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    scopes: list[str] = Field(default_factory=list)


class TokenRead(BaseModel):
    """Forgejo's AccessToken; `sha1` holds the token only in the response that created it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    sha1: str = ""
    token_last_eight: str
    scopes: list[str]
