"""Deployment rules: what to deploy, one at a time per project (later requests queue), cancel."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.db import utcnow
from shipyard.core.errors import Conflict, NotFound, ValidationFailed
from shipyard.core.validation import GIT_REF
from shipyard.jobs import service as jobs
from shipyard.releases.deployments import repository
from shipyard.releases.deployments.models import Deployment, DeploymentStatus, Process
from shipyard.releases.deployments.schemas import DeployRequest
from shipyard.releases.projects import service as projects
from shipyard.releases.projects.models import Project


def resource_key(project_id: int) -> str:
    """Deployments of one project share it: the job engine runs them one after the other."""
    return f"project:{project_id}"


def enqueue(
    session: AsyncSession, project: Project, source: str, reference: str, *, user_id: int | None
) -> Deployment:
    """Queue a deployment of `reference` (a branch or tag); it runs when the project's previous
    deployments have ended."""
    deployment = Deployment(
        project_id=project.id,
        user_id=user_id,
        source=source,
        reference=reference,
        commit_branch=reference if source == "branch" else None,
        status=DeploymentStatus.QUEUED,
    )
    session.add(deployment)
    return deployment


async def deploy(
    session: AsyncSession, user: User, project_id: int, body: DeployRequest, *, actor: Actor
) -> Deployment:
    project = await projects.get(session, user, project_id)
    source, reference = "branch", project.branch
    if body.from_ == "branch":
        if not body.branch:
            raise ValidationFailed({"branch": ["The branch field is required when deploying from a branch."]})
        reference = body.branch
    elif body.from_ == "tag":
        if not body.tag:
            raise ValidationFailed({"tag": ["The tag field is required when deploying from a tag."]})
        source, reference = "tag", body.tag
    if not GIT_REF.match(reference):
        field = "tag" if source == "tag" else "branch"
        raise ValidationFailed({field: [f"The {field} must be a valid git {field} name."]})
    deployment = enqueue(session, project, source, reference, user_id=user.id)
    await session.flush()
    jobs.enqueue(
        session,
        "releases.deploy",
        {"deployment_id": deployment.id},
        resource_key=resource_key(project.id),
        actor=actor,
    )
    return deployment


async def all_of(session: AsyncSession, user: User, project_id: int) -> Sequence[Deployment]:
    project = await projects.get(session, user, project_id)
    return await repository.of_project(session, project.id)


async def get(session: AsyncSession, user: User, project_id: int, deployment_id: int) -> Deployment:
    project = await projects.get(session, user, project_id)
    deployment = await repository.one(session, project.id, deployment_id)
    if deployment is None:
        raise NotFound("deployment")
    return deployment


async def processes(session: AsyncSession, deployment: Deployment) -> Sequence[Process]:
    return await repository.processes(session, deployment.id)


async def cancel(session: AsyncSession, user: User, project_id: int, deployment_id: int) -> Deployment:
    """A queued deployment is dropped; a running one stops before activation (its commands are
    stopped and its half-built release removed). One that has ended cannot be cancelled."""
    deployment = await get(session, user, project_id, deployment_id)
    if deployment.status == DeploymentStatus.QUEUED:
        deployment.status, deployment.finished_at = DeploymentStatus.CANCELLED, utcnow()
        deployment.reason = "Cancelled before it started."
    elif deployment.status == DeploymentStatus.RUNNING:
        deployment.status = DeploymentStatus.CANCELLING
    elif deployment.status != DeploymentStatus.CANCELLING:
        raise Conflict(f"The deployment has ended ({deployment.status}); there is nothing to cancel.")
    deployment.updated_at = utcnow()
    await session.flush()
    return deployment
