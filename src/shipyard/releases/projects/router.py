"""Envoyer's project endpoints: `/api/projects`, their source and linked folders."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.auth.models import User
from shipyard.core.db import utcnow
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.releases.projects import service
from shipyard.releases.projects.models import MonitorStatus
from shipyard.releases.projects.schemas import (
    Folder,
    FolderList,
    ProjectCreate,
    ProjectEnvelope,
    ProjectList,
    ProjectRead,
    ProjectUpdate,
    SourceUpdate,
)
from shipyard.releases.servers.router import server_read

router = APIRouter(prefix="/api/projects", tags=["projects"])

ProjectsPrincipal = Annotated[Principal, Depends(Authenticator("projects"))]


def ago(moment: datetime | None) -> str | None:
    """ "4 days ago", as Envoyer words `last_deployment_timestamp`."""
    if moment is None:
        return None
    seconds = max(0, int((utcnow() - moment).total_seconds()))
    for unit, size in (("year", 31536000), ("month", 2592000), ("week", 604800), ("day", 86400),
                       ("hour", 3600), ("minute", 60), ("second", 1)):  # fmt: skip
        if seconds >= size or unit == "second":
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return None


def project_read(facts: service.ProjectFacts, viewer: User) -> ProjectRead:
    """The project as Envoyer shows it; its deploy URL token only to its owner, not collaborators."""
    project, last, running = facts.project, facts.last, facts.running
    took = None
    if last is not None and last.started_at and last.finished_at:
        took = int((last.finished_at - last.started_at).total_seconds())
    host = service.HOSTED.get(project.provider)
    return ProjectRead(
        id=project.id,
        user_id=project.user_id,
        version=project.version,
        name=project.name,
        provider=project.provider,
        plain_repository=project.repository,
        repository=service.clone_url(project) if host else project.repository,
        type=project.type,
        branch=project.branch,
        push_to_deploy=project.push_to_deploy,
        webhook_id=None,
        status="deploying" if running is not None else None,
        should_deploy_again=facts.queued if running is not None else 0,
        deployment_started_at=running.started_at if running else (last.started_at if last else None),
        deployment_finished_at=last.finished_at if last else None,
        last_deployment_status=last.status if last else None,
        daily_deploys=facts.daily,
        weekly_deploys=facts.weekly,
        last_deployment_took=took,
        retain_deployments=project.retain_deployments,
        environment_servers=list(project.environment_servers),
        folders=[Folder.model_validate(folder) for folder in project.folders],
        monitor=project.monitor,
        # One vantage point (this installation) reports for Envoyer's three regions.
        new_york_status=project.monitor_status,
        london_status=project.monitor_status,
        singapore_status=project.monitor_status,
        token=project.token if viewer.id == project.user_id else "",
        created_at=project.created_at,
        updated_at=project.updated_at,
        install_dev_dependencies=project.install_dev_dependencies,
        install_dependencies=project.install_dependencies,
        quiet_composer=project.quiet_composer,
        servers=[server_read(server, project.public_key) for server in facts.servers],
        has_environment=facts.has_environment,
        has_monitoring_error=project.monitor_status == MonitorStatus.UNHEALTHY,
        has_missing_heartbeats=facts.has_missing_heartbeats,
        last_deployed_branch=last.commit_branch if last else None,
        last_deployment_id=last.id if last else None,
        last_deployment_author=last.commit_author if last else None,
        last_deployment_avatar=last.commit_avatar if last else None,
        last_deployment_hash=(last.commit_hash or "")[:7] if last else "",
        last_deployment_timestamp=ago(last.finished_at) if last else None,
        health_url=project.health_url,
        health_window=project.health_window,
    )


@router.get("", response_model=ProjectList)
async def list_projects(principal: ProjectsPrincipal, session: DbSession) -> ProjectList:
    projects = await service.all_of(session, principal.user)
    viewer = principal.user
    return ProjectList(projects=[project_read(await service.facts(session, p), viewer) for p in projects])


@router.post("", response_model=ProjectEnvelope)
async def create_project(
    body: ProjectCreate, principal: ProjectsPrincipal, session: DbSession
) -> ProjectEnvelope:
    project = await service.create(session, principal.user, body)
    audit.record(session, principal.actor, "project.create", subject=f"project:{project.id}")
    return ProjectEnvelope(project=project_read(await service.facts(session, project), principal.user))


@router.get("/{project_id}", response_model=ProjectEnvelope)
async def get_project(
    project_id: ResourceId, principal: ProjectsPrincipal, session: DbSession
) -> ProjectEnvelope:
    project = await service.get(session, principal.user, project_id)
    return ProjectEnvelope(project=project_read(await service.facts(session, project), principal.user))


@router.put("/{project_id}", response_model=ProjectEnvelope)
async def update_project(
    project_id: ResourceId, body: ProjectUpdate, principal: ProjectsPrincipal, session: DbSession
) -> ProjectEnvelope:
    project = await service.update(session, principal.user, project_id, body)
    audit.record(session, principal.actor, "project.update", subject=f"project:{project_id}")
    return ProjectEnvelope(project=project_read(await service.facts(session, project), principal.user))


@router.put("/{project_id}/source", response_model=ProjectEnvelope)
async def update_source(
    project_id: ResourceId, body: SourceUpdate, principal: ProjectsPrincipal, session: DbSession
) -> ProjectEnvelope:
    project = await service.update_source(session, principal.user, project_id, body)
    audit.record(session, principal.actor, "project.source", subject=f"project:{project_id}")
    return ProjectEnvelope(project=project_read(await service.facts(session, project), principal.user))


@router.delete("/{project_id}", status_code=204)
async def delete_project(project_id: ResourceId, principal: ProjectsPrincipal, session: DbSession) -> None:
    await service.delete(session, principal.user, project_id)
    audit.record(session, principal.actor, "project.delete", subject=f"project:{project_id}")


@router.get("/{project_id}/folders", response_model=FolderList)
async def list_folders(
    project_id: ResourceId, principal: ProjectsPrincipal, session: DbSession
) -> FolderList:
    project = await service.get(session, principal.user, project_id)
    return FolderList(folders=[Folder.model_validate(folder) for folder in project.folders])


@router.post("/{project_id}/folders", response_model=FolderList)
async def create_folder(
    project_id: ResourceId, body: Folder, principal: ProjectsPrincipal, session: DbSession
) -> FolderList:
    project = await service.add_folder(session, principal.user, project_id, body)
    audit.record(session, principal.actor, "project.folder.create", subject=f"project:{project_id}")
    return FolderList(folders=[Folder.model_validate(folder) for folder in project.folders])


@router.delete("/{project_id}/folders", response_model=FolderList)
async def delete_folder(
    project_id: ResourceId, body: Folder, principal: ProjectsPrincipal, session: DbSession
) -> FolderList:
    project = await service.remove_folder(session, principal.user, project_id, body)
    audit.record(session, principal.actor, "project.folder.delete", subject=f"project:{project_id}")
    return FolderList(folders=[Folder.model_validate(folder) for folder in project.folders])
