"""SQL of the projects' monitor checks."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.releases.projects.models import Project


async def monitored(session: AsyncSession) -> Sequence[tuple[int, str]]:
    """(project id, monitor URL) of every project that has one."""
    rows = await session.execute(
        select(Project.id, Project.monitor).where(Project.monitor.is_not(None)).order_by(Project.id)
    )
    return [(project_id, url) for project_id, url in rows.tuples() if url]


async def set_status(
    session: AsyncSession, project_id: int, url: str, status: str
) -> tuple[bool, str | None]:
    """Record the check of `url`: (whether the status changed, the status it had). Nothing
    changes when the status is the same or the monitor URL changed meanwhile."""
    previous = await session.scalar(
        select(Project.monitor_status).where(Project.id == project_id, Project.monitor == url)
    )
    result = await session.execute(
        update(Project)
        .where(
            Project.id == project_id,
            Project.monitor == url,
            or_(Project.monitor_status.is_(None), Project.monitor_status != status),
        )
        .values(monitor_status=status)
    )
    return result.rowcount == 1, previous  # type: ignore[attr-defined]
