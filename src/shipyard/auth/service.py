"""Users, tokens and one-time passwords: the rules, without HTTP."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import pyotp
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth import repository
from shipyard.auth.models import AccessToken, User
from shipyard.auth.passwords import hash_password, verify_password
from shipyard.auth.scopes import is_known
from shipyard.core.db import MAX_ID, utcnow
from shipyard.core.errors import Conflict, NotFound, ValidationFailed

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}\Z")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\Z")
OTP_ISSUER = "Shipyard"
_UNKNOWN_USER_HASH = hash_password(secrets.token_hex(16))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A token as created: the only moment its plaintext exists."""

    record: AccessToken
    plaintext: str


async def create_user(
    session: AsyncSession, *, name: str, email: str, password: str, is_admin: bool = False
) -> User:
    errors: dict[str, list[str]] = {}
    if not NAME_PATTERN.match(name):
        errors["name"] = ["The name may contain letters, digits, '_', '.' and '-' (at most 64)."]
    elif await repository.user_by_name(session, name):
        errors["name"] = ["The name has already been taken."]
    if not EMAIL_PATTERN.match(email):
        errors["email"] = ["The email must be a valid email address."]
    elif await repository.user_by_email(session, email):
        errors["email"] = ["The email has already been taken."]
    if len(password) < 8:
        errors["password"] = ["The password must be at least 8 characters."]
    if errors:
        raise ValidationFailed(errors)
    user = User(name=name, email=email, password_hash=hash_password(password), is_admin=is_admin)
    session.add(user)
    await session.flush()
    return user


async def get_user(session: AsyncSession, name: str) -> User:
    user = await repository.user_by_name(session, name)
    if user is None:
        raise NotFound("user")
    return user


async def list_users(session: AsyncSession, *, offset: int, limit: int) -> tuple[Sequence[User], int]:
    return await repository.users_page(session, offset=offset, limit=limit)


async def has_users(session: AsyncSession) -> bool:
    return await repository.count_users(session) > 0


async def find_user(session: AsyncSession, name: str) -> User | None:
    return await repository.user_by_name(session, name) if name else None


async def find_user_by_email(session: AsyncSession, email: str) -> User | None:
    """The user with this e-mail address (case-insensitive), if any."""
    return await repository.user_by_email(session, email) if email else None


def check_password(user: User | None, password: str) -> bool:
    """Whether `password` is the user's; an unknown user costs the same hashing time, and is False."""
    if user is None:
        verify_password(_UNKNOWN_USER_HASH, password)
        return False
    return verify_password(user.password_hash, password)


def check_otp(user: User, code: str | None) -> bool:
    """A valid current (or adjacent-window) TOTP code for a user with 2FA."""
    if user.otp_secret is None:
        return True
    return code is not None and pyotp.TOTP(user.otp_secret).verify(code.strip(), valid_window=1)


def enable_otp(user: User) -> str:
    """Turn on 2FA and return the otpauth:// URI for an authenticator app."""
    user.otp_secret = pyotp.random_base32()
    return pyotp.TOTP(user.otp_secret).provisioning_uri(name=user.name, issuer_name=OTP_ISSUER)


def disable_otp(user: User) -> None:
    user.otp_secret = None


async def find_token(session: AsyncSession, plaintext: str) -> AccessToken | None:
    """The token record (with its user) for a presented token, or None."""
    if not plaintext or len(plaintext) > 256:
        return None
    return await repository.token_by_hash(session, hash_token(plaintext))


async def create_token(session: AsyncSession, user: User, name: str, scopes: Sequence[str]) -> IssuedToken:
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name or len(name) > 255:
        errors["name"] = ["The name field is required (at most 255 characters)."]
    elif await repository.token_by_user_and_name(session, user.id, name):
        errors["name"] = ["A token with this name already exists."]
    for index, scope in enumerate(scopes):
        if not is_known(scope):
            errors[f"scopes.{index}"] = [f"The scope {scope!r} is not a known scope."]
    if errors:
        raise ValidationFailed(errors)
    plaintext = secrets.token_hex(20)
    record = AccessToken(
        user_id=user.id,
        name=name,
        token_hash=hash_token(plaintext),
        token_last_eight=plaintext[-8:],
        scopes=sorted(set(scopes)),
        created_at=utcnow(),
    )
    session.add(record)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent request took the name
        raise Conflict("A token with this name already exists.") from exc
    return IssuedToken(record, plaintext)


async def list_tokens(
    session: AsyncSession, user: User, *, offset: int, limit: int
) -> tuple[Sequence[AccessToken], int]:
    return await repository.tokens_page(session, user.id, offset=offset, limit=limit)


async def delete_token(session: AsyncSession, user: User, id_or_name: str) -> AccessToken:
    """Forgejo deletes by id or by name; a number is tried as an id first."""
    token = None
    if id_or_name.isdigit() and int(id_or_name) <= MAX_ID:
        token = await repository.token_by_user_and_id(session, user.id, int(id_or_name))
    if token is None:
        token = await repository.token_by_user_and_name(session, user.id, id_or_name)
    if token is None:
        raise NotFound("token")
    await session.delete(token)
    return token


async def update_user(
    session: AsyncSession, user: User, *, email: str | None = None, is_admin: bool | None = None
) -> User:
    if email is not None and email != user.email:
        if not EMAIL_PATTERN.match(email):
            raise ValidationFailed({"email": ["The email must be a valid email address."]})
        if await repository.user_by_email(session, email):
            raise ValidationFailed({"email": ["The email has already been taken."]})
        user.email = email
    if is_admin is not None:
        user.is_admin = is_admin
    await session.flush()
    return user


async def delete_user(session: AsyncSession, user: User) -> None:
    await session.delete(user)


async def revoke_tokens(session: AsyncSession, user: User) -> None:
    """Every token of the user stops working."""
    await repository.delete_tokens_of(session, user.id)
