"""Project pages (zero-downtime deployments): all projects, creating one, and a project's page
with deploy, the live grid of servers x actions and hooks (polled every second while the
deployment runs), cancel, rollback, the history, the environment editor and resource sections."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from shipyard.audit import service as audit
from shipyard.core.errors import NotFound, ShipyardError, ValidationFailed
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.releases.deployments import service as deployments
from shipyard.releases.deployments.models import Deployment, DeploymentStatus, Process
from shipyard.releases.deployments.schemas import DeployRequest
from shipyard.releases.environment import service as environment
from shipyard.releases.projects import service as projects
from shipyard.releases.projects.schemas import PROVIDERS, TYPES, ProjectCreate
from shipyard.web import sections
from shipyard.web.context import SignedIn, Visitor, mark_dashboard, recover
from shipyard.web.projects.sections import BY_KEY, SECTIONS, server_choices
from shipyard.web.templating import failure, render

router = APIRouter(dependencies=[Depends(mark_dashboard)], include_in_schema=False)

HISTORY_SHOWN = 20
# A deployment still changing: the grid polls it.
LIVE = frozenset({DeploymentStatus.QUEUED, DeploymentStatus.RUNNING, DeploymentStatus.CANCELLING})
OWNER_SECTIONS = frozenset({"servers", "hooks", "folders", "heartbeats", "collaborators", "notifications"})


def _url(project_id: int) -> str:
    return f"/projects/{project_id}"


@router.get("/projects")
async def list_projects(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """The user's projects (owned or shared) with their last deployment."""
    rows = [
        await projects.facts(session, project) for project in await projects.all_of(session, visitor.user)
    ]
    return render(request, "projects/list.html", projects=rows)


def _new_form(request: Request, **context: Any) -> HTMLResponse:
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return render(request, "projects/new.html", providers=PROVIDERS, types=TYPES, **context)


@router.get("/projects/new")
async def new_project(request: Request, visitor: SignedIn) -> Response:
    return _new_form(request)


@router.post("/projects")
async def create_project(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    flags = {name: visitor.text(name) == "1" for name in ("composer", "push_to_deploy")}
    try:
        project = await projects.create(session, visitor.user, visitor.model(ProjectCreate, **flags))
    except ShipyardError as exc:
        await recover(session, visitor)
        return _new_form(request, values=visitor.values(), **failure(exc))
    audit.record(session, visitor.actor, "project.create", subject=f"project:{project.id}")
    return RedirectResponse(_url(project.id), status_code=303)


@router.get("/projects/{project_id}")
async def show_project(
    project_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    project = await projects.get(session, visitor.user, project_id)
    facts = await projects.facts(session, project)
    owner = project.user_id == visitor.user.id
    return render(
        request,
        "projects/show.html",
        project=project,
        facts=facts,
        owner=owner,
        clone_url=projects.clone_url(project),
        sections=[s for s in SECTIONS if owner or s.key not in OWNER_SECTIONS],
        url=_url(project_id),
    )


@router.post("/projects/{project_id}/delete")
async def delete_project(project_id: ResourceId, visitor: SignedIn, session: DbSession) -> Response:
    await projects.delete(session, visitor.user, project_id)
    audit.record(session, visitor.actor, "project.delete", subject=f"project:{project_id}")
    return RedirectResponse("/projects", status_code=303)


def grid_of(processes: Sequence[Process]) -> tuple[list[str], list[tuple[int, str]], dict[Any, Process]]:
    """The grid: its rows (servers, in order), its columns (steps: sequence and name, in the
    order they run) and each cell's process by (server, step)."""
    servers: list[str] = []
    steps: dict[tuple[int, str], None] = {}
    cells: dict[Any, Process] = {}
    for process in processes:
        if process.server_name not in servers:
            servers.append(process.server_name)
        steps[(process.sequence, process.name)] = None
        cells[(process.server_name, process.sequence, process.name)] = process
    return servers, sorted(steps), cells


def _state(deployment: Deployment | None, processes: Iterable[Process]) -> str:
    """What the grid shows, in short: the deployment's status and each step's."""
    if deployment is None:
        return ""
    steps = ",".join(f"{p.id}:{p.status}" for p in sorted(processes, key=lambda p: p.id))
    return hashlib.sha256(f"{deployment.status}|{steps}".encode()).hexdigest()[:16]


async def _panel(
    request: Request,
    session: DbSession,
    visitor: Visitor,
    project_id: int,
    deployment: Deployment | None,
    *,
    grid_only: bool = False,
    seen: str = "",
    **context: Any,
) -> Response:
    """The deploy form and a deployment's grid (the latest when `deployment` is None); with
    `grid_only`, the grid alone (nothing, 204, while it is still as `seen`, so that a poll does
    not replace the buttons under the user's pointer), saying `deployment-ended` (for the
    history) once it has ended."""
    project = await projects.get(session, visitor.user, project_id)
    if deployment is None:
        listed = await deployments.all_of(session, visitor.user, project_id)
        deployment = listed[0] if listed else None
    servers: list[str] = []
    steps: list[tuple[int, str]] = []
    cells: dict[Any, Process] = {}
    if deployment is not None:
        servers, steps, cells = grid_of(await deployments.processes(session, deployment))
    live = deployment is not None and deployment.status in LIVE
    state = _state(deployment, cells.values())
    if grid_only and seen == state:
        return Response(status_code=204)
    response = render(
        request,
        "projects/_grid.html" if grid_only else "projects/_deploy.html",
        project=project,
        deployment=deployment,
        live=live,
        servers=servers,
        steps=steps,
        cells=cells,
        state=state,
        url=_url(project_id),
        **context,
    )
    if grid_only and not live:
        response.headers["HX-Trigger"] = "deployment-ended"
    return response


@router.get("/projects/{project_id}/deploy")
async def deploy_panel(
    project_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    return await _panel(request, session, visitor, project_id, None)


@router.post("/projects/{project_id}/deploy")
async def deploy(project_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """Queue a deployment of the default branch, a branch or a tag; answer with its grid."""
    try:
        body = visitor.model(DeployRequest)
        deployment = await deployments.deploy(session, visitor.user, project_id, body, actor=visitor.actor)
    except ShipyardError as exc:
        await recover(session, visitor)
        return await _panel(
            request, session, visitor, project_id, None, values=visitor.values(), **failure(exc)
        )
    audit.record(session, visitor.actor, "project.deploy", subject=f"deployment:{deployment.id}")
    return await _panel(request, session, visitor, project_id, deployment, notice="Deployment queued.")


@router.get("/projects/{project_id}/deployments/{deployment_id}")
async def deployment_panel(
    project_id: ResourceId, deployment_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    """A deployment in the panel, or (`?poll=1`, while it is live) its grid alone."""
    deployment = await deployments.get(session, visitor.user, project_id, deployment_id)
    grid_only = bool(request.query_params.get("poll"))
    seen = request.query_params.get("seen", "")
    return await _panel(request, session, visitor, project_id, deployment, grid_only=grid_only, seen=seen)


@router.get("/projects/{project_id}/deployments/{deployment_id}/processes/{process_id}")
async def process_output(
    project_id: ResourceId,
    deployment_id: ResourceId,
    process_id: ResourceId,
    request: Request,
    visitor: SignedIn,
    session: DbSession,
) -> Response:
    """One cell's output (the fragment polls while the step runs)."""
    deployment = await deployments.get(session, visitor.user, project_id, deployment_id)
    process = next((p for p in await deployments.processes(session, deployment) if p.id == process_id), None)
    if process is None:
        raise NotFound("process")
    return render(request, "projects/_process.html", process=process, url=_url(project_id))


@router.post("/projects/{project_id}/deployments/{deployment_id}/cancel")
async def cancel(
    project_id: ResourceId, deployment_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    try:
        deployment = await deployments.cancel(session, visitor.user, project_id, deployment_id)
    except ShipyardError as exc:
        await recover(session, visitor)
        found = await deployments.get(session, visitor.user, project_id, deployment_id)
        return await _panel(request, session, visitor, project_id, found, **failure(exc))
    audit.record(session, visitor.actor, "project.deploy.cancel", subject=f"deployment:{deployment_id}")
    notice = (
        "Cancelled before it started."
        if deployment.status == DeploymentStatus.CANCELLED
        else "Cancelling: the servers stop before the new release goes live."
    )
    return await _panel(request, session, visitor, project_id, deployment, notice=notice)


@router.post("/projects/{project_id}/rollback")
async def rollback(
    project_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    """Make the release before the live one (or a chosen deployment's) live again everywhere."""
    chosen = visitor.text("deployment_id")
    try:
        if chosen and not chosen.isdigit():
            raise ValidationFailed({"deployment_id": ["Choose a deployment of this project."]})
        done = await deployments.rollback(
            session, visitor.user, project_id, int(chosen) if chosen else None, actor=visitor.actor
        )
    except ShipyardError as exc:
        await recover(session, visitor)
        return await _panel(request, session, visitor, project_id, None, **failure(exc))
    audit.record(session, visitor.actor, "project.rollback", subject=f"deployment:{done.deployment.id}")
    notice = " ".join(
        ["Rolling back to release", done.deployment.release or "", "on every server.", *done.warnings]
    )
    return await _panel(request, session, visitor, project_id, done.deployment, notice=notice)


@router.get("/projects/{project_id}/history")
async def history(
    project_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    listed = await deployments.all_of(session, visitor.user, project_id)
    return render(
        request,
        "projects/_history.html",
        deployments=listed[:HISTORY_SHOWN],
        total=len(listed),
        url=_url(project_id),
    )


async def _environment(
    request: Request, session: DbSession, visitor: Visitor, project_id: int, **context: Any
) -> HTMLResponse:
    choices = await server_choices(session, visitor, project_id)
    synced = [str(server.id) for server in await environment.synced_to(session, visitor.user, project_id)]
    context.setdefault("errors", {})
    context.setdefault("chosen", synced)
    return render(
        request,
        "projects/_environment.html",
        url=_url(project_id),
        servers=choices,
        **context,
    )


@router.get("/projects/{project_id}/environment")
async def environment_form(
    project_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    """The key prompt."""
    return await _environment(request, session, visitor, project_id)


@router.post("/projects/{project_id}/environment/open")
async def open_environment(
    project_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    """The environment opened with the key the user typed (a wrong key shows why)."""
    key = visitor.text("key")
    try:
        if not key:
            raise ValidationFailed({"key": ["Type the project's environment key."]})
        contents = await environment.read(session, visitor.user, project_id, key)
    except ShipyardError as exc:
        await recover(session, visitor)
        return await _environment(request, session, visitor, project_id, **failure(exc))
    return await _environment(request, session, visitor, project_id, key=key, contents=contents)


@router.post("/projects/{project_id}/environment")
async def save_environment(
    project_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    """Write the file to the ticked servers, then store it sealed under the key."""
    key, contents = visitor.text("key"), visitor.text("contents")
    chosen = [sid for sid in visitor.texts("servers") if sid]
    try:
        ids = [int(sid) for sid in chosen if sid.isdigit()]
        await environment.update(session, visitor.user, project_id, key, contents, ids)
    except ShipyardError as exc:
        await recover(session, visitor)
        return await _environment(
            request, session, visitor, project_id, key=key, contents=contents, chosen=chosen, **failure(exc)
        )
    audit.record(session, visitor.actor, "project.environment.update", subject=f"project:{project_id}")
    return await _environment(
        request,
        session,
        visitor,
        project_id,
        key=key,
        contents=contents,
        notice="Saved and written to the servers.",
    )


async def _project_page(project_id: ResourceId, visitor: SignedIn, session: DbSession) -> sections.Page:
    await projects.get(session, visitor.user, project_id)
    return sections.Page(project_id, _url(project_id))


sections.serve(router, "/projects/{project_id}", BY_KEY, _project_page)
