"""Project rules: validation, the repository URL of each provider, the key pair, ownership."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.db import utcnow
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.core.validation import GIT_REF, GIT_URL, LABEL, LABEL_RULE, RELATIVE_PATH, REPOSITORY_SLUG
from shipyard.releases.deployments.models import Deployment, DeploymentStatus
from shipyard.releases.projects import repository
from shipyard.releases.projects.models import Project
from shipyard.releases.projects.schemas import Folder, ProjectCreate, ProjectUpdate, SourceUpdate
from shipyard.releases.servers.models import ProjectServer
from shipyard.remote.keys import generate_keypair

HOSTED = {"github": "github.com", "gitlab": "gitlab.com", "bitbucket": "bitbucket.org"}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def clone_url(project: Project) -> str:
    """The URL servers clone from: the hosted provider's SSH URL, or the URL as given."""
    host = HOSTED.get(project.provider)
    return f"git@{host}:{project.repository}.git" if host else project.repository


def _source_errors(provider: str, repository: str, branch: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if provider in HOSTED:
        if not REPOSITORY_SLUG.match(repository):
            errors["repository"] = [f"The repository must be owner/name on {provider}."]
    elif not GIT_URL.match(repository):
        errors["repository"] = [
            "The repository must be a git URL (ssh://, git://, https://, file:// or user@host:path)."
        ]
    if not GIT_REF.match(branch):
        errors["branch"] = ["The branch must be a valid git branch name."]
    return errors


def _url_errors(field: str, url: str | None) -> dict[str, list[str]]:
    if not url:
        return {}
    try:
        parts = urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:
        valid = False
    if not valid or any(c.isspace() or not c.isprintable() for c in url):
        return {field: [f"The {field.replace('_', ' ')} must be an http(s) URL."]}
    return {}


async def create(session: AsyncSession, user: User, body: ProjectCreate) -> Project:
    errors = (
        _source_errors(body.provider, body.repository, body.branch)
        | _url_errors("monitor", body.monitor)
        | _url_errors("health_url", body.health_url)
    )
    if not LABEL.match(body.name):
        errors["name"] = [LABEL_RULE]
    if errors:
        raise ValidationFailed(errors)
    pair = generate_keypair(f"shipyard-project-{secrets.token_hex(4)}")
    token = secrets.token_urlsafe(30)
    project = Project(
        user_id=user.id,
        name=body.name,
        provider=body.provider,
        repository=body.repository,
        branch=body.branch,
        type=body.type,
        retain_deployments=body.retain_deployments,
        monitor=body.monitor or None,
        install_dependencies=body.composer,
        install_dev_dependencies=body.composer_dev,
        quiet_composer=body.composer_quiet,
        push_to_deploy=body.push_to_deploy,
        health_url=body.health_url or None,
        health_window=body.health_window,
        token=token,
        token_hash=token_hash(token),
        private_key=pair.private_openssh,
        public_key=pair.public_openssh,
        folders=[],
        environment_servers=[],
    )
    session.add(project)
    await session.flush()
    return project


async def get(session: AsyncSession, user: User, project_id: int, *, owner_only: bool = False) -> Project:
    """The project as `user` may reach it: their own, or one they collaborate on (collaborators
    see and deploy it). With `owner_only` (settings, destructive operations) only the owner's.
    Anything else is a 404, so a collaborator learns nothing of owner-only endpoints."""
    if owner_only:
        project = await repository.owned(session, user.id, project_id)
    else:
        project = await repository.reachable(session, user.id, project_id)
    if project is None:
        raise NotFound("project")
    return project


async def find(session: AsyncSession, project_id: int) -> Project:
    """Any user's project (the CLI's administration on the database)."""
    project = await repository.by_id(session, project_id)
    if project is None:
        raise NotFound("project")
    return project


async def by_token(session: AsyncSession, token: str) -> Project | None:
    """The project whose deploy URL token this is (looked up by its hash)."""
    if not token or len(token) > 512:
        return None
    return await repository.by_token_hash(session, token_hash(token))


async def servers_of(session: AsyncSession, project_id: int) -> Sequence[ProjectServer]:
    return await repository.servers(session, project_id)


async def all_of(session: AsyncSession, user: User) -> Sequence[Project]:
    """The projects the user owns or collaborates on."""
    return await repository.of_user(session, user.id)


async def update(session: AsyncSession, user: User, project_id: int, body: ProjectUpdate) -> Project:
    project = await get(session, user, project_id, owner_only=True)
    errors = _url_errors("monitor", body.monitor) | _url_errors("health_url", body.health_url)
    if body.name is not None and not LABEL.match(body.name):
        errors["name"] = [LABEL_RULE]
    if errors:
        raise ValidationFailed(errors)
    if body.name is not None:
        project.name = body.name
    if body.retain_deployments is not None:
        project.retain_deployments = body.retain_deployments
    if "monitor" in body.model_fields_set and (body.monitor or None) != project.monitor:
        project.monitor, project.monitor_status = body.monitor or None, None
    if body.composer is not None:
        project.install_dependencies = body.composer
    if body.composer_dev is not None:
        project.install_dev_dependencies = body.composer_dev
    if body.composer_quiet is not None:
        project.quiet_composer = body.composer_quiet
    if "health_url" in body.model_fields_set:
        project.health_url = body.health_url or None
    if body.health_window is not None:
        project.health_window = body.health_window
    project.updated_at = utcnow()
    await session.flush()
    return project


async def update_source(session: AsyncSession, user: User, project_id: int, body: SourceUpdate) -> Project:
    project = await get(session, user, project_id, owner_only=True)
    errors = _source_errors(body.provider, body.repository, body.branch)
    if errors:
        raise ValidationFailed(errors)
    project.provider = body.provider
    project.repository = body.repository
    project.branch = body.branch
    project.push_to_deploy = body.push_to_deploy
    project.updated_at = utcnow()
    await session.flush()
    return project


async def delete(session: AsyncSession, user: User, project_id: int) -> None:
    """Forget the project (its releases stay on the servers, as with Envoyer)."""
    project = await get(session, user, project_id, owner_only=True)
    await session.delete(project)


def _folder_errors(folder: Folder) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not RELATIVE_PATH.match(folder.from_):
        errors["from"] = ["The from path must be relative to the release, without .. components."]
    if not RELATIVE_PATH.match(folder.to):
        errors["to"] = ["The to path must be relative to the deployment path, without .. components."]
    return errors


async def add_folder(session: AsyncSession, user: User, project_id: int, folder: Folder) -> Project:
    project = await get(session, user, project_id, owner_only=True)
    errors = _folder_errors(folder)
    if errors:
        raise ValidationFailed(errors)
    entry = {"from": folder.from_.strip("/"), "to": folder.to.strip("/")}
    if any(existing["from"] == entry["from"] for existing in project.folders):
        raise ValidationFailed({"from": ["This folder is linked already."]})
    project.folders = [*project.folders, entry]
    await session.flush()
    return project


async def remove_folder(session: AsyncSession, user: User, project_id: int, folder: Folder) -> Project:
    project = await get(session, user, project_id, owner_only=True)
    entry = {"from": folder.from_.strip("/"), "to": folder.to.strip("/")}
    if entry not in project.folders:
        raise NotFound("linked folder")
    project.folders = [existing for existing in project.folders if existing != entry]
    await session.flush()
    return project


@dataclass(frozen=True)
class ProjectFacts:
    """What a project response shows beside the row: its servers and its deployments' figures."""

    project: Project
    servers: Sequence[ProjectServer]
    last: Deployment | None
    running: Deployment | None
    queued: int
    has_environment: bool
    has_missing_heartbeats: bool
    daily: int
    weekly: int


async def facts(session: AsyncSession, project: Project) -> ProjectFacts:
    deployments = await repository.deployments(session, project.id)
    now = utcnow()
    return ProjectFacts(
        project=project,
        servers=await repository.servers(session, project.id),
        last=next((d for d in deployments if d.status in DeploymentStatus.DONE), None),
        running=next(
            (d for d in deployments if d.status in (DeploymentStatus.RUNNING, DeploymentStatus.CANCELLING)),
            None,
        ),
        queued=await repository.queued(session, project.id),
        has_environment=await repository.has_environment(session, project.id),
        has_missing_heartbeats=await repository.has_missing_heartbeats(session, project.id),
        daily=await repository.deploys_since(session, project.id, now - timedelta(days=1)),
        weekly=await repository.deploys_since(session, project.id, now - timedelta(days=7)),
    )
