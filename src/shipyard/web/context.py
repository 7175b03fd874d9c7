"""Who is looking at the dashboard: the session cookie, the CSRF check and the submitted form.

Every dashboard route depends on `visitor`: a request without a live session is sent to the
sign-in page, and a request that changes something must carry the session's CSRF token (the
`_csrf` field of a form, or the `X-CSRF-Token` header htmx adds to every request).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth import ratelimit, sessions
from shipyard.auth.models import User, WebSession
from shipyard.core.actor import Actor
from shipyard.core.errors import Forbidden, RateLimited, ValidationFailed
from shipyard.core.settings import get_settings
from shipyard.http.errors import laravel_errors
from shipyard.http.session import DbSession
from shipyard.http.urls import public_url

SESSION_COOKIE = "shipyard_session"
CSRF_FIELD = "_csrf"
CSRF_HEADER = "X-CSRF-Token"
READ_METHODS = frozenset({"GET", "HEAD"})

Model = TypeVar("Model", bound=BaseModel)


class SignInRequired(Exception):
    """No live session: the dashboard answers with the sign-in page instead."""


def mark_dashboard(request: Request) -> None:
    """Router dependency: errors on this request are shown as pages, not JSON."""
    request.state.dashboard = True


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def form_of(request: Request) -> dict[str, Any]:
    """The submitted form as data: `FormBodyMiddleware` has turned it into JSON (PHP's bracket
    names give lists and objects); an empty or non-object body is an empty form."""
    try:
        data = await request.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class Who:
    """The signed-in user's name and CSRF token, for the layout of every page."""

    name: str
    csrf: str


@dataclass
class Visitor:
    """A signed-in browser: its session row (with the user) and, on a write, the submitted form."""

    record: WebSession
    ip: str | None
    # Shipyard's own URL as others reach it (for the URLs a change hands out, e.g. CI_SYSTEM_URL).
    public_url: str = ""
    form: dict[str, Any] = field(default_factory=dict)

    @property
    def user(self) -> User:
        return self.record.user

    @property
    def csrf(self) -> str:
        return self.record.csrf_token

    @property
    def actor(self) -> Actor:
        return Actor(self.user.id, ip=self.ip, session_id=self.record.id)

    def text(self, name: str) -> str:
        """A form field as text ('' when absent)."""
        value = self.form.get(name, "")
        return value if isinstance(value, str) else ""

    def texts(self, name: str) -> list[str]:
        """A list field (`name[]` in the form) as texts; a single value is a list of one."""
        value = self.form.get(name, [])
        return [str(item) for item in (value if isinstance(value, list) else [value])]

    def values(self, *withheld: str) -> dict[str, Any]:
        """The form as it was filled in, to show it again when it is refused (without the CSRF
        token and the `withheld` fields, such as a private key)."""
        return {key: value for key, value in self.form.items() if key != CSRF_FIELD and key not in withheld}

    def model(self, schema: type[Model], **extra: Any) -> Model:
        """The form (blank fields left out, so the schema's defaults apply) as `schema`; a
        field-by-field ValidationFailed when it does not fit."""
        data = filled({name: value for name, value in self.form.items() if name != CSRF_FIELD})
        try:
            return schema.model_validate({**data, **extra})
        except ValidationError as exc:
            raise ValidationFailed(laravel_errors(exc.errors())) from None


async def recover(session: AsyncSession, visitor: Visitor) -> None:
    """Undo a refused change (a service may have flushed part of it) and reload the visitor."""
    await session.rollback()
    await session.refresh(visitor.record)
    await session.refresh(visitor.record.user)


def filled(value: Any) -> Any:
    """`value` without its blank strings, at every depth."""
    if isinstance(value, dict):
        return {key: filled(item) for key, item in value.items() if item != ""}
    if isinstance(value, list):
        return [filled(item) for item in value if item != ""]
    return value


async def visitor(request: Request, session: DbSession) -> Visitor:
    """The signed-in visitor; a write must carry the CSRF token and counts against the user's
    write rate limit (shared with the API's password sign-ins)."""
    record = await sessions.resolve(session, request.cookies.get(SESSION_COOKIE))
    if record is None:
        raise SignInRequired()
    found = Visitor(record, client_ip(request), public_url(request))
    request.state.who = Who(record.user.name, record.csrf_token)
    if request.method in READ_METHODS:
        return found
    found.form = await form_of(request)
    presented = request.headers.get(CSRF_HEADER) or found.text(CSRF_FIELD)
    if not secrets.compare_digest(presented.encode(), record.csrf_token.encode()):
        raise Forbidden("This form has expired: reload the page and submit it again.")
    state = await ratelimit.hit(session, f"user:{record.user_id}", get_settings().rate_limit_writes)
    if state.exceeded:
        raise RateLimited("Too many changes in a minute: wait a moment and try again.")
    return found


SignedIn = Annotated[Visitor, Depends(visitor)]
