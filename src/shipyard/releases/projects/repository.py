"""All SQL of projects, including the figures their responses compute from deployments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer
from sqlalchemy.sql.elements import ColumnElement

from shipyard.releases.collaborators.models import Collaborator
from shipyard.releases.deployments.models import Deployment, DeploymentStatus
from shipyard.releases.heartbeats.models import Heartbeat, HeartbeatStatus
from shipyard.releases.projects.models import Project
from shipyard.releases.servers.models import ProjectServer


def _shared_with(user_id: int) -> ColumnElement[bool]:
    return Project.id.in_(select(Collaborator.project_id).where(Collaborator.user_id == user_id))


async def owned(session: AsyncSession, user_id: int, project_id: int) -> Project | None:
    return await session.scalar(select(Project).where(Project.id == project_id, Project.user_id == user_id))


async def reachable(session: AsyncSession, user_id: int, project_id: int) -> Project | None:
    """The project when the user owns it or collaborates on it."""
    return await session.scalar(
        select(Project).where(
            Project.id == project_id, or_(Project.user_id == user_id, _shared_with(user_id))
        )
    )


async def of_user(session: AsyncSession, user_id: int) -> Sequence[Project]:
    """The projects the user owns or collaborates on."""
    rows = await session.scalars(
        select(Project).where(or_(Project.user_id == user_id, _shared_with(user_id))).order_by(Project.id)
    )
    return rows.all()


async def by_id(session: AsyncSession, project_id: int) -> Project | None:
    return await session.get(Project, project_id, populate_existing=True)


async def with_secrets(session: AsyncSession, project_id: int) -> Project | None:
    """The project with its private key and sealed environment loaded."""
    return await session.scalar(
        select(Project)
        .where(Project.id == project_id)
        .options(undefer(Project.private_key), undefer(Project.environment))
        .execution_options(populate_existing=True)
    )


async def by_token_hash(session: AsyncSession, token_hash: str) -> Project | None:
    return await session.scalar(select(Project).where(Project.token_hash == token_hash))


async def servers(session: AsyncSession, project_id: int) -> Sequence[ProjectServer]:
    rows = await session.scalars(
        select(ProjectServer).where(ProjectServer.project_id == project_id).order_by(ProjectServer.id)
    )
    return rows.all()


async def deployments(session: AsyncSession, project_id: int) -> Sequence[Deployment]:
    rows = await session.scalars(
        select(Deployment).where(Deployment.project_id == project_id).order_by(Deployment.id.desc())
    )
    return rows.all()


async def deploys_since(session: AsyncSession, project_id: int, since: datetime) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Deployment)
            .where(Deployment.project_id == project_id, Deployment.created_at >= since)
        )
        or 0
    )


async def queued(session: AsyncSession, project_id: int) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(Deployment)
            .where(Deployment.project_id == project_id, Deployment.status == DeploymentStatus.QUEUED)
        )
        or 0
    )


async def has_environment(session: AsyncSession, project_id: int) -> bool:
    found = await session.scalar(
        select(Project.id).where(Project.id == project_id, Project.environment.is_not(None))
    )
    return found is not None


async def has_missing_heartbeats(session: AsyncSession, project_id: int) -> bool:
    found = await session.scalar(
        select(Heartbeat.id)
        .where(Heartbeat.project_id == project_id, Heartbeat.status == HeartbeatStatus.MISSING)
        .limit(1)
    )
    return found is not None
