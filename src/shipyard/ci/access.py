"""Who may do what in CI: Woodpecker's auth levels over Shipyard's users and tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from shipyard.auth.dependencies import Authenticator, OptionalAuthenticator, Principal
from shipyard.auth.models import User
from shipyard.core.errors import Forbidden, NotFound, Unauthenticated

# Every CI endpoint authorizes by its own rules below; the token scope family is one per area.
Guest = Annotated[Principal | None, Depends(OptionalAuthenticator("repos"))]
LoggedIn = Annotated[Principal, Depends(Authenticator("repos"))]
PipelinesUser = Annotated[Principal, Depends(Authenticator("pipelines"))]
CronsUser = Annotated[Principal, Depends(Authenticator("crons"))]
AgentsAdmin = Annotated[Principal, Depends(Authenticator("agents", admin=True))]
AgentsUser = Annotated[Principal, Depends(Authenticator("agents"))]
ForgesAdmin = Annotated[Principal, Depends(Authenticator("forges", admin=True))]
Admin = Annotated[Principal, Depends(Authenticator("admin", admin=True))]
OrgsUser = Annotated[Principal, Depends(Authenticator("orgs"))]


def user_of(principal: Principal | None) -> User | None:
    return principal.user if principal else None


def require_admin(user: User | None) -> User:
    if user is None:
        raise Unauthenticated("Unauthenticated.")
    if not user.is_admin:
        raise Forbidden("This action is for administrators only.")
    return user


def deny(user: User | None, what: str) -> NotFound | Unauthenticated:
    """Woodpecker hides what a logged-in user may not see (404); a guest is asked to log in (401)."""
    if user is None:
        return Unauthenticated("Unauthenticated.")
    return NotFound(what)
