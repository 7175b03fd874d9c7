"""Woodpecker's user, user-admin, log-level and signature endpoints over Shipyard's own users."""

from __future__ import annotations

import dataclasses
import hmac
import logging
import secrets
import time
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from shipyard.audit import service as audit
from shipyard.auth import service as users
from shipyard.auth.dependencies import Authenticator
from shipyard.auth.models import User
from shipyard.ci.access import Admin, LoggedIn
from shipyard.ci.system import metrics as prometheus
from shipyard.ci.system import signature
from shipyard.core.errors import Conflict
from shipyard.core.settings import get_settings
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.session import DbSession

router = APIRouter(prefix="/api", tags=["ci users and system"])
Login = Annotated[str, Path(min_length=1, max_length=64)]
LogLevel = Literal["trace", "debug", "info", "warn", "error", "fatal", "panic", "disabled"]
LEVELS = {
    "trace": logging.DEBUG,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "fatal": logging.CRITICAL,
    "panic": logging.CRITICAL,
    "disabled": logging.CRITICAL + 10,
}


class UserOut(BaseModel):
    id: int
    forge_id: int = 0
    forge_remote_id: str = ""
    login: str
    email: str
    avatar_url: str = ""
    admin: bool
    admin_env: bool = False
    org_id: int = 0


class UserCreate(BaseModel):
    login: str = Field(min_length=1, max_length=64)
    email: str = Field(min_length=3, max_length=255)
    admin: bool = False
    password: str | None = Field(default=None, min_length=8, max_length=1024)


class UserPatch(BaseModel):
    email: str | None = Field(default=None, max_length=255)
    admin: bool | None = None


class LogLevelBody(BaseModel):
    log_level: LogLevel = Field(alias="log-level")


def user_out(user: User) -> UserOut:
    return UserOut(id=user.id, login=user.name, email=user.email, admin=user.is_admin)


@router.get("/user", response_model=UserOut)
async def current_user(principal: LoggedIn) -> UserOut:
    return user_out(principal.user)


@router.post("/user/token", response_class=PlainTextResponse)
async def issue_token(principal: LoggedIn, session: DbSession) -> str:
    """A new personal access token (a Shipyard token with all the caller's rights), as text."""
    issued = await users.create_token(
        session, principal.user, f"woodpecker-{int(time.time())}-{secrets.token_hex(3)}", []
    )
    audit.record(session, principal.actor, "token.create", subject=f"token:{issued.record.id}")
    return issued.plaintext


@router.delete("/user/token", response_class=PlainTextResponse)
async def reset_token(principal: LoggedIn, session: DbSession) -> str:
    """Revoke every token of the caller and answer with a fresh one."""
    await users.revoke_tokens(session, principal.user)
    issued = await users.create_token(
        session, principal.user, f"woodpecker-{int(time.time())}-{secrets.token_hex(3)}", []
    )
    # The caller's own token is among the revoked ones: the audit row cannot point at it.
    actor = dataclasses.replace(principal.actor, token_id=None)
    audit.record(session, actor, "token.reset", subject=f"user:{principal.user.id}")
    return issued.plaintext


@router.get("/users", response_model=list[UserOut])
async def list_users(
    principal: Admin, session: DbSession, paging: Paging, request: Request, response: Response
) -> list[UserOut]:
    rows, total = await users.list_users(session, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return [user_out(u) for u in rows]


@router.post("/users", response_model=UserOut)
async def create_user(body: UserCreate, principal: Admin, session: DbSession) -> UserOut:
    """Without a password the user can only log in with tokens an administrator makes."""
    user = await users.create_user(
        session,
        name=body.login,
        email=body.email,
        password=body.password or secrets.token_urlsafe(24),
        is_admin=body.admin,
    )
    audit.record(session, principal.actor, "user.create", subject=f"user:{user.id}")
    return user_out(user)


@router.get("/users/{login}", response_model=UserOut)
async def get_user(login: Login, principal: Admin, session: DbSession) -> UserOut:
    return user_out(await users.get_user(session, login))


@router.patch("/users/{login}", response_model=UserOut)
async def update_user(login: Login, body: UserPatch, principal: Admin, session: DbSession) -> UserOut:
    user = await users.update_user(
        session, await users.get_user(session, login), email=body.email, is_admin=body.admin
    )
    audit.record(session, principal.actor, "user.update", subject=f"user:{user.id}")
    return user_out(user)


@router.delete("/users/{login}", status_code=204)
async def delete_user(login: Login, principal: Admin, session: DbSession) -> None:
    user = await users.get_user(session, login)
    if user.id == principal.user.id:
        raise Conflict("You cannot delete yourself.")
    await users.delete_user(session, user)
    audit.record(session, principal.actor, "user.delete", subject=f"user:{user.id}")


# The name last set in this process (trace and debug are the same Python level).
_chosen: dict[str, str] = {}


def _level_name() -> str:
    level = logging.getLogger().getEffectiveLevel()
    chosen = _chosen.get("name")
    if chosen is not None and LEVELS[chosen] == level:
        return chosen
    return next((name for name, value in LEVELS.items() if value == level and name != "trace"), "info")


@router.get("/log-level")
async def get_log_level(principal: Admin) -> dict[str, str]:
    """This process's log level."""
    return {"log-level": _level_name()}


@router.post("/log-level")
async def set_log_level(principal: Admin, body: Annotated[LogLevelBody, Body()]) -> dict[str, str]:
    """Set this process's log level (each server process has its own)."""
    logging.getLogger().setLevel(LEVELS[body.log_level])
    _chosen["name"] = body.log_level
    return {"log-level": body.log_level}


@router.get("/signature/public-key", response_class=PlainTextResponse)
async def public_key() -> str:
    """The ed25519 public key (PEM) that signs Shipyard's requests to extensions."""
    return signature.public_key_pem()


root_router = APIRouter(tags=["ci users and system"])


@root_router.get("/metrics", response_class=PlainTextResponse)
async def metrics(request: Request, session: DbSession) -> str:
    """Prometheus metrics, for `Bearer $SHIPYARD_CI_PROMETHEUS_TOKEN` or an administrator's token."""
    settings = get_settings()
    _, _, presented = request.headers.get("authorization", "").partition(" ")
    expected = settings.ci_prometheus_token.get_secret_value() if settings.ci_prometheus_token else ""
    if not (expected and hmac.compare_digest(presented.strip(), expected)):
        await Authenticator("admin", admin=True)(request, Response(), session)
    return await prometheus.render(session)
