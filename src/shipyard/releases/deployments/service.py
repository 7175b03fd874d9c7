"""Deployment rules: what to deploy, one at a time per project (later requests queue), the
deploy URL and the push webhooks it takes, cancel, and rollback to a retained release."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.db import get_sessionmaker, utcnow
from shipyard.core.errors import Conflict, NotFound, ValidationFailed
from shipyard.core.script import HostResult
from shipyard.core.validation import GIT_REF
from shipyard.hostops import releases as ops
from shipyard.http.pushes import decode_payload, parse_push
from shipyard.jobs import service as jobs
from shipyard.releases.deployments import repository
from shipyard.releases.deployments.engine import ROLLBACK
from shipyard.releases.deployments.models import Deployment, DeploymentStatus, Process
from shipyard.releases.deployments.schemas import DeployRequest
from shipyard.releases.projects import service as projects
from shipyard.releases.projects.models import Project
from shipyard.releases.servers import host
from shipyard.releases.servers.models import ProjectServer
from shipyard.remote.errors import RemoteError
from shipyard.servers.host import HostActionFailed

# A commit the deploy URL may name: a full or abbreviated SHA-1 (or SHA-256) hash.
COMMIT = re.compile(r"[0-9a-fA-F]{7,64}\Z")
LARAVEL_TYPES = ("laravel-5", "laravel-4")
INSPECT_SECONDS = 60


def resource_key(project_id: int) -> str:
    """Deployments of one project share it: the job engine runs them one after the other."""
    return f"project:{project_id}"


def enqueue(
    session: AsyncSession,
    project: Project,
    source: str,
    reference: str,
    *,
    user_id: int | None,
    commit: str | None = None,
) -> Deployment:
    """Queue a deployment of `reference` (a branch or tag; `commit` of it when given); it runs
    when the project's previous deployments have ended."""
    deployment = Deployment(
        project_id=project.id,
        user_id=user_id,
        source=source,
        reference=reference,
        commit_branch=reference if source == "branch" else None,
        commit_hash=commit,
        status=DeploymentStatus.QUEUED,
    )
    session.add(deployment)
    return deployment


async def _start(
    session: AsyncSession,
    project: Project,
    source: str,
    reference: str,
    *,
    user_id: int | None,
    actor: Actor,
    commit: str | None = None,
) -> Deployment:
    deployment = enqueue(session, project, source, reference, user_id=user_id, commit=commit)
    await session.flush()
    jobs.enqueue(
        session,
        "releases.deploy",
        {"deployment_id": deployment.id},
        resource_key=resource_key(project.id),
        actor=actor,
    )
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
    return await _start(session, project, source, reference, user_id=user.id, actor=actor)


async def deploy_from_url(
    session: AsyncSession,
    token: str,
    headers: Mapping[str, str],
    body: Any,
    query: Mapping[str, str],
    *,
    ip: str | None,
) -> tuple[str, Deployment | None]:
    """The project's deploy URL (its token is the only credential). A provider's push webhook
    deploys the pushed commit when it moved the project's branch and push to deploy is on;
    anything else is ignored with the reason. Any other request deploys: the `sha` or `branch`
    asked for (query string or body fields, as Envoyer's deploy URL takes them), else the
    project's branch."""
    project = await projects.by_token(session, token)
    if project is None:
        raise NotFound("project")
    actor = Actor(user_id=project.user_id, ip=ip)
    payload = decode_payload(body)
    push = parse_push(headers, payload)
    if push is not None:
        if not project.push_to_deploy:
            return "Ignored: push to deploy is off for this project.", None
        if not push.heads:
            return f"Ignored: {push.reason}.", None
        head = push.head(project.branch)
        if head is None:
            pushed = ", ".join(h.branch for h in push.heads)
            return f"Ignored: the push was to {pushed}; the project deploys {project.branch}.", None
        deployment = await _start(
            session, project, "branch", project.branch, user_id=project.user_id, actor=actor,
            commit=head.commit,
        )  # fmt: skip
        return f"Deploying {head.commit or project.branch} from a {push.provider} push.", deployment
    fields = {**(payload if isinstance(payload, dict) else {}), **query}
    sha, branch = fields.get("sha"), fields.get("branch")
    errors: dict[str, list[str]] = {}
    if sha is not None and not (isinstance(sha, str) and COMMIT.match(sha)):
        errors["sha"] = ["The sha must be a commit hash (7 to 64 hexadecimal digits)."]
    if branch is not None and not (isinstance(branch, str) and GIT_REF.match(branch)):
        errors["branch"] = ["The branch must be a valid git branch name."]
    if errors:
        raise ValidationFailed(errors)
    reference = branch or project.branch
    deployment = await _start(
        session, project, "branch", reference, user_id=project.user_id, actor=actor,
        commit=sha.lower() if sha else None,
    )  # fmt: skip
    return f"Deploying {sha or reference}.", deployment


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
    stopped and its half-built release removed). One that is activating or has ended cannot be
    cancelled (409)."""
    deployment = await get(session, user, project_id, deployment_id)
    if deployment.status == DeploymentStatus.QUEUED:
        deployment.status, deployment.finished_at = DeploymentStatus.CANCELLED, utcnow()
        deployment.reason = "Cancelled before it started."
        deployment.updated_at = utcnow()
    elif deployment.status == DeploymentStatus.RUNNING:
        if not await repository.request_cancel(session, deployment.id):
            raise Conflict(
                "The deployment is already activating its release; it cannot be cancelled now. "
                "Roll back to the previous release instead."
            )
        await session.refresh(deployment)
    elif deployment.status != DeploymentStatus.CANCELLING:
        raise Conflict(f"The deployment has ended ({deployment.status}); there is nothing to cancel.")
    await session.flush()
    return deployment


@dataclass(frozen=True)
class Rollback:
    """A queued rollback and what the user should know about it."""

    deployment: Deployment
    warnings: list[str]


async def _inspect(
    servers: Sequence[ProjectServer], release: str, migrations: str | None
) -> list[HostResult | BaseException]:
    sessions = get_sessionmaker()

    async def one(server: ProjectServer) -> HostResult:
        script = ops.render_inspect(server.deployment_path, release, migrations=migrations)
        return await host.run(sessions, server, script, time_limit=INSPECT_SECONDS)

    return await asyncio.gather(*(one(server) for server in servers), return_exceptions=True)


def _migration_warning(target: Deployment, live: str, output: str, directory: str) -> list[str]:
    listed = ops.read_migrations(output)
    before, now = listed["target"], listed["live"]
    added = sorted(set(now) - set(before))
    removed = sorted(set(before) - set(now))
    changed = sorted(path for path in set(now) & set(before) if now[path] != before[path])
    if not (added or removed or changed):
        return []
    parts = [
        f"{label}: {', '.join(paths)}"
        for label, paths in (("added", added), ("removed", removed), ("changed", changed))
        if paths
    ]
    return [
        f"{directory} differs between the live release {live} and release {target.release} "
        f"(deployment {target.id}): {'; '.join(parts)}. Rolling back the code does not roll back "
        "the database."
    ]


async def roll_back(
    session: AsyncSession, project: Project, deployment_id: int | None, *, user_id: int | None, actor: Actor
) -> Rollback:
    """Queue the activation of an earlier successful deployment's release on every server (the
    one before the live one by default), after checking that every server still has it; warn
    when the app's migrations differ between the live release and that one."""
    if await repository.active(session, project.id):
        raise Conflict("A deployment of this project is queued or running; roll back when it has ended.")
    if deployment_id is None:
        live = await repository.latest_finished(session, project.id)
        target = (
            await repository.finished_before(session, project.id, live.release)
            if live is not None and live.release
            else None
        )
        if target is None:
            raise ValidationFailed(
                {"deployment_id": ["There is no earlier successful deployment to roll back to."]}
            )
    else:
        found = await repository.one(session, project.id, deployment_id)
        if found is None or found.status != DeploymentStatus.FINISHED or not found.release:
            raise ValidationFailed(
                {"deployment_id": ["The deployment must be a successful deployment of this project."]}
            )
        target = found
    assert target.release is not None
    servers = [s for s in await projects.servers_of(session, project.id) if s.receives_code_deployments]
    if not servers:
        raise ValidationFailed(
            {"deployment_id": ["The project has no server that receives code deployments."]}
        )
    migrations = ops.LARAVEL_MIGRATIONS if project.type in LARAVEL_TYPES else None
    outcomes = await _inspect(servers, target.release, migrations)
    problems: list[str] = []
    for server, outcome in zip(servers, outcomes, strict=True):
        if isinstance(outcome, (RemoteError, HostActionFailed)):
            problems.append(f"{server.name} could not be reached: {outcome}")
        elif isinstance(outcome, BaseException):
            raise outcome
        elif not outcome.ok:
            problems.append(f"{server.name} could not be inspected: {outcome.output.strip()[-200:]}")
        elif outcome.result.get("present") is not True:
            problems.append(f"release {target.release} is no longer on {server.name} (purged or removed)")
        elif outcome.result.get("live") == target.release:
            problems.append(f"release {target.release} is already live on {server.name}")
    if problems:
        raise ValidationFailed({"deployment_id": [f"Cannot roll back: {'; '.join(problems)}."]})
    first = outcomes[0]
    assert isinstance(first, HostResult)
    warnings = (
        _migration_warning(target, str(first.result.get("live") or "none"), first.output, migrations)
        if migrations
        else []
    )
    deployment = Deployment(
        project_id=project.id,
        user_id=user_id,
        source=ROLLBACK,
        reference=target.release,
        release=target.release,
        commit_branch=target.commit_branch,
        commit_hash=target.commit_hash,
        commit_author=target.commit_author,
        commit_avatar=target.commit_avatar,
        commit_message=target.commit_message,
        status=DeploymentStatus.QUEUED,
    )
    session.add(deployment)
    await session.flush()
    jobs.enqueue(
        session,
        "releases.deploy",
        {"deployment_id": deployment.id},
        resource_key=resource_key(project.id),
        actor=actor,
    )
    return Rollback(deployment, warnings)


async def rollback(
    session: AsyncSession, user: User, project_id: int, deployment_id: int | None, *, actor: Actor
) -> Rollback:
    """The user's project rolled back (see `roll_back`)."""
    project = await projects.get(session, user, project_id)
    return await roll_back(session, project, deployment_id, user_id=user.id, actor=actor)


async def rollback_any(
    session: AsyncSession, project_id: int, deployment_id: int | None, *, actor: Actor
) -> Rollback:
    """Any user's project rolled back (the CLI's administration on the database; see `roll_back`)."""
    project = await projects.find(session, project_id)
    return await roll_back(session, project, deployment_id, user_id=None, actor=actor)


async def find(session: AsyncSession, deployment_id: int) -> Deployment:
    """A deployment of any user's project (the CLI's administration on the database)."""
    deployment = await repository.by_id(session, deployment_id)
    if deployment is None:
        raise NotFound("deployment")
    return deployment
