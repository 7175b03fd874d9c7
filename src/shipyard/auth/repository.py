"""All SQL of users and tokens."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from shipyard.auth.models import AccessToken, User, WebSession
from shipyard.core.db import fetch_page


async def user_by_name(session: AsyncSession, name: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.name) == name.lower()))


async def user_by_email(session: AsyncSession, email: str) -> User | None:
    return await session.scalar(select(User).where(func.lower(User.email) == email.lower()))


async def users_page(session: AsyncSession, *, offset: int, limit: int) -> tuple[Sequence[User], int]:
    total = await count_users(session)
    rows = await session.scalars(select(User).order_by(User.id).offset(offset).limit(limit))
    return rows.all(), total


async def count_users(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(User)) or 0


async def token_by_hash(session: AsyncSession, token_hash: str) -> AccessToken | None:
    return await session.scalar(
        select(AccessToken).options(joinedload(AccessToken.user)).where(AccessToken.token_hash == token_hash)
    )


async def tokens_page(
    session: AsyncSession, user_id: int, *, offset: int, limit: int
) -> tuple[Sequence[AccessToken], int]:
    query = select(AccessToken).where(AccessToken.user_id == user_id)
    return await fetch_page(session, query, order_by=AccessToken.id, offset=offset, limit=limit)


async def token_by_user_and_name(session: AsyncSession, user_id: int, name: str) -> AccessToken | None:
    return await session.scalar(
        select(AccessToken).where(AccessToken.user_id == user_id, AccessToken.name == name)
    )


async def token_by_user_and_id(session: AsyncSession, user_id: int, token_id: int) -> AccessToken | None:
    return await session.scalar(
        select(AccessToken).where(AccessToken.user_id == user_id, AccessToken.id == token_id)
    )


async def delete_tokens_of(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(AccessToken).where(AccessToken.user_id == user_id))


async def web_session_by_hash(session: AsyncSession, token_hash: str) -> WebSession | None:
    return await session.scalar(
        select(WebSession).options(joinedload(WebSession.user)).where(WebSession.token_hash == token_hash)
    )


async def delete_expired_web_sessions(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(WebSession).where(WebSession.expires_at <= now))
