"""Dashboard sessions: sign-in with password (and a one-time code under 2FA), the session row a
browser cookie points at, its CSRF token, and two-factor enrolment confirmed with a code."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import pyotp
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth import ratelimit, repository, service
from shipyard.auth.models import User, WebSession
from shipyard.core.db import utcnow
from shipyard.core.errors import RateLimited, ValidationFailed
from shipyard.core.settings import get_settings

OTP_REQUIRED = "Enter the one-time code from your authenticator app."


@dataclass(frozen=True)
class SignedIn:
    """A new session and the cookie value that names it (only its hash is stored)."""

    record: WebSession
    cookie: str


async def _limit(session: AsyncSession, key: str) -> None:
    state = await ratelimit.hit(session, key[:64], get_settings().signin_attempts)
    if state.exceeded:
        retry_after = max(1, state.reset_at - int(utcnow().timestamp()))
        raise RateLimited(
            f"Too many sign-in attempts: try again in {retry_after} seconds.",
            headers={"Retry-After": str(retry_after)},
        )


async def sign_in(
    session: AsyncSession,
    *,
    name: str,
    password: str,
    otp: str | None,
    ip: str | None,
    user_agent: str | None,
) -> SignedIn:
    """Check the password (and the code when the user has 2FA) and open a session.

    Attempts are counted per user name and per address, committed at once so that a failed
    attempt counts too."""
    await _limit(session, f"signin:name:{name.lower()}")
    if ip:
        await _limit(session, f"signin:ip:{ip}")
    user = await service.find_user(session, name)
    if not service.check_password(user, password):
        raise ValidationFailed({"password": ["The user name or password is wrong."]})
    assert user is not None
    if user.otp_enabled and not (otp or "").strip():
        raise ValidationFailed({"otp": [OTP_REQUIRED]})
    if not service.check_otp(user, otp):
        raise ValidationFailed({"otp": ["The one-time code is wrong or has expired."]})
    now = utcnow()
    await repository.delete_expired_web_sessions(session, now)
    cookie = secrets.token_urlsafe(32)
    record = WebSession(
        user_id=user.id,
        token_hash=service.hash_token(cookie),
        csrf_token=secrets.token_urlsafe(32),
        ip=ip,
        user_agent=(user_agent or "")[:255] or None,
        created_at=now,
        expires_at=now + timedelta(hours=get_settings().session_hours),
    )
    record.user = user
    session.add(record)
    await session.flush()
    return SignedIn(record, cookie)


async def resolve(session: AsyncSession, cookie: str | None) -> WebSession | None:
    """The live session (with its user) a cookie names, or None when it is unknown or expired."""
    if not cookie or len(cookie) > 256:
        return None
    record = await repository.web_session_by_hash(session, service.hash_token(cookie))
    if record is None or record.expires_at <= utcnow():
        return None
    return record


async def sign_out(session: AsyncSession, record: WebSession) -> None:
    await session.delete(record)


def start_otp_enrolment(record: WebSession) -> str:
    """A new secret kept in the session until a code confirms it; returns its otpauth:// URI."""
    record.otp_pending = pyotp.random_base32()
    return otp_uri(record.user, record.otp_pending)


def otp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.name, issuer_name=service.OTP_ISSUER)


def confirm_otp_enrolment(record: WebSession, code: str) -> None:
    """Turn 2FA on with the pending secret once `code` proves the authenticator app has it."""
    if record.otp_pending is None:
        raise ValidationFailed({"code": ["Start the enrolment first."]})
    if not pyotp.TOTP(record.otp_pending).verify(code.strip(), valid_window=1):
        raise ValidationFailed({"code": ["The code is wrong or has expired: try the app's current code."]})
    record.user.otp_secret = record.otp_pending
    record.otp_pending = None


def disable_otp(user: User, code: str) -> None:
    """Turn 2FA off; a current code is required, so a stolen session alone cannot."""
    if not service.check_otp(user, code or None):
        raise ValidationFailed({"code": ["The code is wrong or has expired."]})
    service.disable_otp(user)
