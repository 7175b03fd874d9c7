"""Authenticate a request the Forgejo ways, then apply sudo, scopes and the write rate limit."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request, Response

from shipyard.auth import ratelimit, service
from shipyard.auth.models import AccessToken, User
from shipyard.auth.scopes import Action, action_for_method, allows, needed_scope
from shipyard.core.actor import Actor
from shipyard.core.db import utcnow
from shipyard.core.errors import Forbidden, NotFound, RateLimited, Unauthenticated
from shipyard.core.settings import get_settings
from shipyard.http.session import DbSession

OTP_HEADERS = ("X-Shipyard-OTP", "X-Forgejo-OTP", "X-Gitea-OTP")
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class Principal:
    """The effective `user` (after sudo), who actually `authenticated`, and the token used if any."""

    user: User
    authenticated: User
    token: AccessToken | None
    with_password: bool
    ip: str | None

    @property
    def actor(self) -> Actor:
        sudoer = self.authenticated.id if self.authenticated.id != self.user.id else None
        return Actor(self.user.id, sudoer, self.token.id if self.token else None, self.ip)


@dataclass(frozen=True)
class _Credentials:
    token: str | None = None
    username: str | None = None
    password: str | None = None


def _credentials(request: Request) -> _Credentials | None:
    header = request.headers.get("authorization", "").strip()
    if header:
        scheme, _, value = header.partition(" ")
        scheme, value = scheme.lower(), value.strip()
        if scheme in ("bearer", "token") and value:
            return _Credentials(token=value)
        if scheme == "basic":
            try:
                decoded = base64.b64decode(value, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise Unauthenticated("Malformed basic authorization header.") from None
            username, sep, password = decoded.partition(":")
            if not sep:
                raise Unauthenticated("Malformed basic authorization header.")
            return _Credentials(username=username, password=password)
        raise Unauthenticated("Unsupported authorization scheme.")
    query_token = request.query_params.get("token") or request.query_params.get("access_token")
    return _Credentials(token=query_token) if query_token else None


async def _login(
    request: Request, session: DbSession, creds: _Credentials
) -> tuple[User, AccessToken | None]:
    if creds.token is not None:
        token = await service.find_token(session, creds.token)
        if token is None:
            raise Unauthenticated("Invalid token.")
        return token.user, token
    assert creds.username is not None and creds.password is not None
    token = await service.find_token(session, creds.password)
    if token is not None and token.user.name.lower() == creds.username.lower():
        return token.user, token
    user = await service.find_user(session, creds.username)
    if not service.check_password(user, creds.password):
        raise Unauthenticated("Invalid username or password.")
    assert user is not None
    otp = next((request.headers[h] for h in OTP_HEADERS if h in request.headers), None)
    if not service.check_otp(user, otp):
        raise Unauthenticated("A valid one-time password is required in the X-Shipyard-OTP header.")
    return user, None


class Authenticator:
    """A FastAPI dependency: `Depends(Authenticator("servers"))` guards an endpoint on servers.

    `resource` names the scope family; the HTTP method picks the action (GET reads, DELETE
    deletes, the rest create/update). `password_only` demands basic auth with a password.
    """

    def __init__(self, resource: str, *, password_only: bool = False, admin: bool = False) -> None:
        self.resource = resource
        self.password_only = password_only
        self.admin = admin

    async def __call__(self, request: Request, response: Response, session: DbSession) -> Principal:
        creds = _credentials(request)
        if creds is None:
            raise Unauthenticated("Unauthenticated.")
        if self.password_only and creds.password is None:
            raise Unauthenticated("This endpoint requires basic authentication with a password.")
        user, token = await _login(request, session, creds)
        if self.password_only and token is not None:
            raise Unauthenticated("This endpoint requires basic authentication with a password.")

        action = action_for_method(request.method)
        if token is not None and not allows(token.scopes, self.resource, action):
            raise Forbidden(
                f"This token does not have the required scope: {needed_scope(self.resource, action)}."
            )
        if token is not None and (
            token.last_used_at is None or utcnow() - token.last_used_at > LAST_USED_RESOLUTION
        ):
            token.last_used_at = utcnow()
            # Commit now: a pending write would hold SQLite's lock through the whole request,
            # and a request that waits on a host action (which writes events) would deadlock on it.
            await session.commit()

        effective = await self._sudo(request, session, user)
        principal = Principal(
            effective,
            user,
            token,
            creds.password is not None and token is None,
            request.client.host if request.client else None,
        )
        request.state.actor = principal.actor
        if self.admin and not effective.is_admin:
            raise Forbidden("This action is for administrators only.")
        if action is not Action.READ:
            await self._rate_limit(session, response, principal)
        return principal

    @staticmethod
    async def _sudo(request: Request, session: DbSession, user: User) -> User:
        target = request.headers.get("sudo") or request.query_params.get("sudo")
        if not target:
            return user
        if not user.is_admin:
            raise Forbidden("Only administrators may use sudo.")
        try:
            return await service.get_user(session, target)
        except NotFound:
            raise NotFound("sudo user") from None

    @staticmethod
    async def _rate_limit(session: DbSession, response: Response, principal: Principal) -> None:
        key = f"token:{principal.token.id}" if principal.token else f"user:{principal.authenticated.id}"
        state = await ratelimit.hit(session, key, get_settings().rate_limit_writes)
        if state.exceeded:
            retry_after = max(1, state.reset_at - int(utcnow().timestamp()))
            raise RateLimited(
                "Too Many Attempts.", headers=state.headers() | {"Retry-After": str(retry_after)}
            )
        response.headers.update(state.headers())


class OptionalAuthenticator:
    """Like `Authenticator`, but a request without credentials is a guest (None), not a 401.

    Credentials that are present must still be valid: a wrong token is a 401, not a guest.
    """

    def __init__(self, resource: str) -> None:
        self.inner = Authenticator(resource)

    async def __call__(self, request: Request, response: Response, session: DbSession) -> Principal | None:
        if _credentials(request) is None:
            return None
        return await self.inner(request, response, session)
