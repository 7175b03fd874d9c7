"""Forgejo's token endpoints: `/api/v1/users/{name}/tokens`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth import service
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.auth.models import User
from shipyard.auth.schemas import TokenCreate, TokenRead, UserCreate, UserRead
from shipyard.core.errors import NotFound
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.session import DbSession

router = APIRouter(prefix="/api/v1/users/{username}/tokens", tags=["tokens"])
admin_router = APIRouter(prefix="/api/v1/admin/users", tags=["admin"])

PasswordPrincipal = Annotated[Principal, Depends(Authenticator("tokens", password_only=True))]
TokensPrincipal = Annotated[Principal, Depends(Authenticator("tokens"))]
AdminPrincipal = Annotated[Principal, Depends(Authenticator("admin", admin=True))]


def _user_read(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        login=user.name,
        username=user.name,
        email=user.email,
        is_admin=user.is_admin,
        created=user.created_at,
    )


async def _owner(session: DbSession, principal: Principal, username: str) -> User:
    """The user whose tokens are addressed: oneself, or anyone for an admin; others are a 404."""
    if principal.user.name.lower() == username.lower():
        return principal.user
    if not principal.user.is_admin:
        raise NotFound("user")
    return await service.get_user(session, username)


@router.post("", response_model=TokenRead, status_code=201)
async def create_token(
    username: str, body: TokenCreate, principal: PasswordPrincipal, session: DbSession
) -> TokenRead:
    """Requires basic authentication with a password (and the OTP header when 2FA is on)."""
    owner = await _owner(session, principal, username)
    issued = await service.create_token(session, owner, body.name, body.scopes)
    audit.record(
        session,
        principal.actor,
        "token.create",
        subject=f"token:{issued.record.id}",
        details={"name": issued.record.name, "owner": owner.name},
    )
    return TokenRead.model_validate(issued.record).model_copy(update={"sha1": issued.plaintext})


@router.get("", response_model=list[TokenRead])
async def list_tokens(
    username: str,
    principal: TokensPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> list[TokenRead]:
    owner = await _owner(session, principal, username)
    rows, total = await service.list_tokens(session, owner, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return [TokenRead.model_validate(row) for row in rows]


@router.delete("/{token}", status_code=204)
async def delete_token(username: str, token: str, principal: TokensPrincipal, session: DbSession) -> None:
    owner = await _owner(session, principal, username)
    deleted = await service.delete_token(session, owner, token)
    audit.record(
        session,
        principal.actor,
        "token.delete",
        subject=f"token:{deleted.id}",
        details={"name": deleted.name, "owner": owner.name},
    )


@admin_router.post("", response_model=UserRead, status_code=201)
async def create_user(body: UserCreate, principal: AdminPrincipal, session: DbSession) -> UserRead:
    user = await service.create_user(
        session, name=body.username, email=body.email, password=body.password, is_admin=body.admin
    )
    audit.record(session, principal.actor, "user.create", subject=f"user:{user.id}")
    return _user_read(user)


@admin_router.get("", response_model=list[UserRead])
async def list_users(
    principal: AdminPrincipal, session: DbSession, paging: Paging, request: Request, response: Response
) -> list[UserRead]:
    rows, total = await service.list_users(session, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return [_user_read(row) for row in rows]
