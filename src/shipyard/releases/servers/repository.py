"""All SQL of a project's servers."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.releases.servers.models import ProjectServer


async def of_project(session: AsyncSession, project_id: int, server_id: int) -> ProjectServer | None:
    return await session.scalar(
        select(ProjectServer).where(ProjectServer.project_id == project_id, ProjectServer.id == server_id)
    )


async def all_of_project(session: AsyncSession, project_id: int) -> Sequence[ProjectServer]:
    rows = await session.scalars(
        select(ProjectServer).where(ProjectServer.project_id == project_id).order_by(ProjectServer.id)
    )
    return rows.all()


async def by_id(session: AsyncSession, server_id: int) -> ProjectServer | None:
    return await session.get(ProjectServer, server_id, populate_existing=True)
