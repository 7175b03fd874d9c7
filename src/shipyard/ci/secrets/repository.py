"""All SQL of secrets and registries."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.secrets.models import Registry, Secret
from shipyard.core.db import fetch_page


async def secrets_page(
    session: AsyncSession, org_id: int, repo_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Secret], int]:
    query = select(Secret).where(Secret.org_id == org_id, Secret.repo_id == repo_id)
    return await fetch_page(session, query, order_by=Secret.name, offset=offset, limit=limit)


async def secret(session: AsyncSession, org_id: int, repo_id: int, name: str) -> Secret | None:
    return await session.scalar(
        select(Secret).where(Secret.org_id == org_id, Secret.repo_id == repo_id, Secret.name == name.lower())
    )


async def visible_secrets(session: AsyncSession, org_id: int, repo_id: int) -> Sequence[Secret]:
    """Global, the organization's and the repository's secrets."""
    query = select(Secret).where(
        or_(
            (Secret.org_id == 0) & (Secret.repo_id == 0),
            (Secret.org_id == org_id) & (Secret.repo_id == 0),
            (Secret.org_id == 0) & (Secret.repo_id == repo_id),
        )
    )
    return (await session.scalars(query)).all()


async def registries_page(
    session: AsyncSession, org_id: int, repo_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Registry], int]:
    query = select(Registry).where(Registry.org_id == org_id, Registry.repo_id == repo_id)
    return await fetch_page(session, query, order_by=Registry.address, offset=offset, limit=limit)


async def registry(session: AsyncSession, org_id: int, repo_id: int, address: str) -> Registry | None:
    return await session.scalar(
        select(Registry).where(
            Registry.org_id == org_id,
            Registry.repo_id == repo_id,
            func.lower(Registry.address) == address.lower(),
        )
    )


async def delete_scope(session: AsyncSession, org_id: int, repo_id: int) -> None:
    await session.execute(delete(Secret).where(Secret.org_id == org_id, Secret.repo_id == repo_id))
    await session.execute(delete(Registry).where(Registry.org_id == org_id, Registry.repo_id == repo_id))
