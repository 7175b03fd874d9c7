"""Envoyer's deployment endpoints: `/api/projects/{project_id}/deployments`."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.core.actor import Actor
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.releases.deployments import service
from shipyard.releases.deployments.models import Deployment, Process
from shipyard.releases.deployments.schemas import (
    DeployHookAnswer,
    DeploymentCreated,
    DeploymentDetail,
    DeploymentEnvelope,
    DeploymentList,
    DeploymentRead,
    DeployRequest,
    ProcessRead,
    RollbackCreated,
    RollbackRequest,
)
from shipyard.releases.projects import service as projects
from shipyard.releases.projects.router import project_read

router = APIRouter(prefix="/api/projects/{project_id}/deployments", tags=["deployments"])
rollback_router = APIRouter(prefix="/api/projects/{project_id}", tags=["deployments"])
hook_router = APIRouter(prefix="/deploy", tags=["deployments"])
MAX_HOOK_BODY = 1_048_576

DeploymentsPrincipal = Annotated[Principal, Depends(Authenticator("deployments"))]


def deployment_read(deployment: Deployment) -> DeploymentRead:
    return DeploymentRead(
        id=deployment.id,
        project_id=deployment.project_id,
        user_id=deployment.user_id,
        commit_branch=deployment.commit_branch,
        commit_hash=deployment.commit_hash,
        commit_author=deployment.commit_author,
        commit_avatar=deployment.commit_avatar,
        commit_message=deployment.commit_message,
        status=deployment.status,
        reason=deployment.reason,
        release=deployment.release,
        created_at=deployment.created_at,
        updated_at=deployment.updated_at,
    )


def process_read(process: Process) -> ProcessRead:
    return ProcessRead(
        id=process.id,
        deployment_id=process.deployment_id,
        project_id=process.project_id,
        server_id=process.server_id,
        server_name=process.server_name,
        sequence=process.sequence,
        name=process.name,
        action_id=process.action_id,
        hook_id=process.hook_id,
        status=process.status,
        output=process.output,
        started_at=int(process.started_at.timestamp()) if process.started_at else None,
        finished_at=int(process.finished_at.timestamp()) if process.finished_at else None,
        created_at=process.created_at,
        updated_at=process.updated_at,
    )


@router.get("", response_model=DeploymentList)
async def list_deployments(
    project_id: ResourceId, principal: DeploymentsPrincipal, session: DbSession
) -> DeploymentList:
    deployments = await service.all_of(session, principal.user, project_id)
    return DeploymentList(deployments=[deployment_read(d) for d in deployments])


@router.post("", response_model=DeploymentCreated)
async def deploy_project(
    project_id: ResourceId, body: DeployRequest, principal: DeploymentsPrincipal, session: DbSession
) -> DeploymentCreated:
    """Queue a deployment from the project's branch, another branch, or a tag."""
    deployment = await service.deploy(session, principal.user, project_id, body, actor=principal.actor)
    audit.record(session, principal.actor, "project.deploy", subject=f"deployment:{deployment.id}")
    return DeploymentCreated(deployment=deployment_read(deployment))


@router.get("/{deployment_id}", response_model=DeploymentEnvelope)
async def get_deployment(
    project_id: ResourceId, deployment_id: ResourceId, principal: DeploymentsPrincipal, session: DbSession
) -> DeploymentEnvelope:
    deployment = await service.get(session, principal.user, project_id, deployment_id)
    project = await projects.get(session, principal.user, project_id)
    processes = await service.processes(session, deployment)
    return DeploymentEnvelope(
        deployment=DeploymentDetail(
            **deployment_read(deployment).model_dump(),
            processes=[process_read(p) for p in processes],
            project=project_read(await projects.facts(session, project), principal.user),
        )
    )


@router.delete("/{deployment_id}", response_model=DeploymentCreated)
async def cancel_deployment(
    project_id: ResourceId, deployment_id: ResourceId, principal: DeploymentsPrincipal, session: DbSession
) -> DeploymentCreated:
    """Cancel a queued or running deployment; a running one stops before anything goes live."""
    deployment = await service.cancel(session, principal.user, project_id, deployment_id)
    audit.record(session, principal.actor, "project.deploy.cancel", subject=f"deployment:{deployment_id}")
    return DeploymentCreated(deployment=deployment_read(deployment))


@rollback_router.post("/rollback", response_model=RollbackCreated)
async def roll_back(
    project_id: ResourceId, body: RollbackRequest, principal: DeploymentsPrincipal, session: DbSession
) -> RollbackCreated:
    """Beyond Envoyer: make a retained earlier release live again on every server at once
    (recorded as a deployment); `warnings` says when the app's migrations differ."""
    rollback = await service.rollback(
        session, principal.user, project_id, body.deployment_id, actor=principal.actor
    )
    audit.record(session, principal.actor, "project.rollback", subject=f"deployment:{rollback.deployment.id}")
    return RollbackCreated(deployment=deployment_read(rollback.deployment), warnings=rollback.warnings)


async def _deploy_from_url(token: str, session: DbSession, request: Request) -> DeployHookAnswer:
    raw = await request.body()
    body: Any = None
    if raw and len(raw) <= MAX_HOOK_BODY:
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
    ip = request.client.host if request.client else None
    message, deployment = await service.deploy_from_url(
        session, token, request.headers, body, dict(request.query_params), ip=ip
    )
    if deployment is not None:
        actor = Actor(user_id=deployment.user_id, ip=ip)
        audit.record(session, actor, "project.deploy.url", subject=f"deployment:{deployment.id}")
    return DeployHookAnswer(message=message, deployment=deployment_read(deployment) if deployment else None)


@hook_router.post("/{token}", response_model=DeployHookAnswer)
async def deploy_from_url(token: str, session: DbSession, request: Request) -> DeployHookAnswer:
    """The project's deploy URL (its token is the only credential): deploys the project's
    branch, or the `sha`/`branch` given in the query or body; a GitHub, GitLab, Bitbucket or
    Forgejo/Gitea push webhook deploys the pushed commit of the project's branch when push to
    deploy is on (other pushes and events are answered and ignored)."""
    return await _deploy_from_url(token, session, request)


@hook_router.get("/{token}", response_model=DeployHookAnswer)
async def deploy_from_url_get(token: str, session: DbSession, request: Request) -> DeployHookAnswer:
    """The deploy URL by GET, as Envoyer allows: deploys the project's branch, or the `sha` or
    `branch` in the query string."""
    return await _deploy_from_url(token, session, request)
