"""Request and response bodies of the user and token endpoints."""

from __future__ import annotations

from datetime import datetime

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


class UserCreate(BaseModel):
    """Forgejo's CreateUserOption (the fields Shipyard uses), plus `admin`."""

    username: str = Field(min_length=1, max_length=64)
    email: str = Field(min_length=3, max_length=255)
    password: str = Field(min_length=1, max_length=1024)
    admin: bool = False


class UserRead(BaseModel):
    """Forgejo's User, reduced to what Shipyard knows."""

    id: int
    login: str
    username: str
    email: str
    is_admin: bool
    created: datetime
