"""All SQL of deployments and their processes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from shipyard.core.db import utcnow
from shipyard.releases.deployments.models import Deployment, DeploymentStatus, Process


async def of_project(session: AsyncSession, project_id: int) -> Sequence[Deployment]:
    rows = await session.scalars(
        select(Deployment).where(Deployment.project_id == project_id).order_by(Deployment.id.desc())
    )
    return rows.all()


async def one(session: AsyncSession, project_id: int, deployment_id: int) -> Deployment | None:
    return await session.scalar(
        select(Deployment).where(Deployment.project_id == project_id, Deployment.id == deployment_id)
    )


async def by_id(session: AsyncSession, deployment_id: int) -> Deployment | None:
    return await session.get(Deployment, deployment_id, populate_existing=True)


async def status_of(session: AsyncSession, deployment_id: int) -> str | None:
    return await session.scalar(select(Deployment.status).where(Deployment.id == deployment_id))


async def processes(session: AsyncSession, deployment_id: int) -> Sequence[Process]:
    rows = await session.scalars(
        select(Process)
        .where(Process.deployment_id == deployment_id)
        .options(undefer(Process.output))
        .order_by(Process.server_id, Process.sequence)
    )
    return rows.all()


async def append_output(session: AsyncSession, process_id: int, text: str) -> None:
    await session.execute(
        update(Process)
        .where(Process.id == process_id)
        .values(output=Process.output + text, updated_at=utcnow())
    )


async def set_process(
    session: AsyncSession,
    process_id: int,
    status: str,
    *,
    started_at: datetime | None = None,
    finished_at: datetime | None = None,
) -> None:
    values: dict[str, object] = {"status": status, "updated_at": utcnow()}
    if started_at is not None:
        values["started_at"] = started_at
    if finished_at is not None:
        values["finished_at"] = finished_at
    await session.execute(update(Process).where(Process.id == process_id).values(**values))


async def close_pending(session: AsyncSession, deployment_id: int, status: str) -> None:
    """Every process of the deployment that did not end gets `status` (skipped or cancelled)."""
    now = utcnow()
    await session.execute(
        update(Process)
        .where(Process.deployment_id == deployment_id, Process.status.in_(("pending", "running")))
        .values(status=status, finished_at=now, updated_at=now)
    )


async def active(session: AsyncSession, project_id: int) -> bool:
    """Whether a deployment of the project is queued, running or being cancelled."""
    found = await session.scalar(
        select(Deployment.id)
        .where(
            Deployment.project_id == project_id,
            Deployment.status.in_(
                (DeploymentStatus.QUEUED, DeploymentStatus.RUNNING, DeploymentStatus.CANCELLING)
            ),
        )
        .limit(1)
    )
    return found is not None


async def latest_finished(session: AsyncSession, project_id: int) -> Deployment | None:
    """The last deployment (or rollback) that succeeded: its release is the live one."""
    return await session.scalar(
        select(Deployment)
        .where(Deployment.project_id == project_id, Deployment.status == DeploymentStatus.FINISHED)
        .order_by(Deployment.id.desc())
        .limit(1)
    )


async def latest_release(session: AsyncSession, project_id: int) -> str | None:
    """The newest release name any deployment of the project has used."""
    return await session.scalar(
        select(func.max(Deployment.release)).where(Deployment.project_id == project_id)
    )


async def finished_before(session: AsyncSession, project_id: int, release: str) -> Deployment | None:
    """The latest successful deployment of a release older than `release` (names are timestamps)."""
    return await session.scalar(
        select(Deployment)
        .where(
            Deployment.project_id == project_id,
            Deployment.status == DeploymentStatus.FINISHED,
            Deployment.release.is_not(None),
            Deployment.release < release,
        )
        .order_by(Deployment.release.desc(), Deployment.id.desc())
        .limit(1)
    )


async def begin_activation(session: AsyncSession, deployment_id: int) -> bool:
    """Pass the point of no return, unless a cancel came first (then False)."""
    now = utcnow()
    done = await session.execute(
        update(Deployment)
        .where(
            Deployment.id == deployment_id,
            Deployment.status == DeploymentStatus.RUNNING,
            Deployment.activated_at.is_(None),
        )
        .values(activated_at=now, updated_at=now)
    )
    return bool(getattr(done, "rowcount", 0))


async def request_cancel(session: AsyncSession, deployment_id: int) -> bool:
    """Ask a running deployment to stop, unless its activation has begun (then False)."""
    done = await session.execute(
        update(Deployment)
        .where(
            Deployment.id == deployment_id,
            Deployment.status == DeploymentStatus.RUNNING,
            Deployment.activated_at.is_(None),
        )
        .values(status=DeploymentStatus.CANCELLING, updated_at=utcnow())
    )
    return bool(getattr(done, "rowcount", 0))
