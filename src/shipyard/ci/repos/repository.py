"""All SQL of organizations and repositories."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.forges.models import Forge
from shipyard.ci.repos.models import Org, Repo
from shipyard.core.db import fetch_page


async def repo(session: AsyncSession, repo_id: int) -> Repo | None:
    return await session.get(Repo, repo_id)


async def repo_by_full_name(session: AsyncSession, full_name: str) -> Repo | None:
    return await session.scalar(select(Repo).where(func.lower(Repo.full_name) == full_name.lower()))


async def repo_by_remote(session: AsyncSession, forge_id: int, remote_id: str) -> Repo | None:
    return await session.scalar(
        select(Repo).where(Repo.forge_id == forge_id, Repo.forge_remote_id == remote_id)
    )


async def repos_by_remote(
    session: AsyncSession, forge_types: Sequence[str], remote_id: str
) -> Sequence[Repo]:
    query = (
        select(Repo)
        .join(Forge, Forge.id == Repo.forge_id)
        .where(Forge.type.in_(forge_types), Repo.forge_remote_id == remote_id)
        .order_by(Repo.id)
    )
    return (await session.scalars(query)).all()


async def repos_page(
    session: AsyncSession, *, active: bool | None, offset: int, limit: int
) -> tuple[Sequence[Repo], int]:
    query = select(Repo)
    if active is not None:
        query = query.where(Repo.active.is_(active))
    return await fetch_page(session, query, order_by=Repo.id, offset=offset, limit=limit)


async def repos_of_user(
    session: AsyncSession, user_id: int, *, admin: bool, name: str | None, include_inactive: bool
) -> Sequence[Repo]:
    query = select(Repo)
    if not admin:
        owned_orgs = select(Org.id).where(Org.user_id == user_id)
        query = query.where(
            or_(Repo.user_id == user_id, Repo.org_id.in_(owned_orgs), Repo.visibility != "private")
        )
    if not include_inactive:
        query = query.where(Repo.active.is_(True))
    if name:
        query = query.where(Repo.full_name.contains(name))
    return (await session.scalars(query.order_by(Repo.full_name))).all()


async def all_repos(session: AsyncSession) -> Sequence[Repo]:
    return (await session.scalars(select(Repo).order_by(Repo.id))).all()


async def next_pipeline_number(session: AsyncSession, repo_id: int) -> int:
    """Take the next pipeline number of a repository (the row's update serializes concurrent takers)."""
    await session.execute(
        update(Repo).where(Repo.id == repo_id).values(pipeline_counter=Repo.pipeline_counter + 1)
    )
    number = await session.scalar(select(Repo.pipeline_counter).where(Repo.id == repo_id))
    return int(number or 0)


async def org(session: AsyncSession, org_id: int) -> Org | None:
    return await session.get(Org, org_id)


async def org_by_name(session: AsyncSession, name: str, forge_id: int | None = None) -> Org | None:
    query = select(Org).where(func.lower(Org.name) == name.lower())
    if forge_id is not None:
        query = query.where(Org.forge_id == forge_id)
    return await session.scalar(query.order_by(Org.id).limit(1))


async def orgs_page(session: AsyncSession, *, offset: int, limit: int) -> tuple[Sequence[Org], int]:
    return await fetch_page(session, select(Org), order_by=Org.id, offset=offset, limit=limit)


async def repo_ids_of_org(session: AsyncSession, org_id: int) -> Sequence[int]:
    return (await session.scalars(select(Repo.id).where(Repo.org_id == org_id))).all()
