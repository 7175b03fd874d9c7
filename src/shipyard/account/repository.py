"""All SQL of credentials and regions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload, undefer

from shipyard.account.models import Credential, Region
from shipyard.core.db import fetch_page


async def credentials_page(
    session: AsyncSession, user_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Credential], int]:
    query = select(Credential).where(Credential.user_id == user_id)
    return await fetch_page(session, query, order_by=Credential.id, offset=offset, limit=limit)


async def credential(session: AsyncSession, user_id: int, credential_id: int) -> Credential | None:
    return await session.scalar(
        select(Credential).where(Credential.id == credential_id, Credential.user_id == user_id)
    )


async def credential_with_secret(session: AsyncSession, credential_id: int) -> Credential | None:
    return await session.scalar(
        select(Credential).options(undefer(Credential.secret)).where(Credential.id == credential_id)
    )


async def credential_types(session: AsyncSession, user_id: int) -> set[str]:
    rows = await session.scalars(select(Credential.type).where(Credential.user_id == user_id).distinct())
    return set(rows.all())


async def regions(session: AsyncSession) -> Sequence[Region]:
    rows = await session.scalars(
        select(Region).options(selectinload(Region.sizes)).order_by(Region.provider, Region.id)
    )
    return rows.all()
