"""A project's settings card, for its owner: the deploy URL to copy, the source (repository,
branch, push to deploy) and the settings (name, releases kept, composer, health check, monitor),
each form answered in place with the server's notice or its reasons next to the fields."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, Response

from shipyard.audit import service as audit
from shipyard.core.errors import ShipyardError
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.http.urls import public_url
from shipyard.releases.projects import service as projects
from shipyard.releases.projects.schemas import PROVIDERS, ProjectUpdate, SourceUpdate
from shipyard.web.context import SignedIn, Visitor, mark_dashboard, recover
from shipyard.web.templating import failure, render

router = APIRouter(dependencies=[Depends(mark_dashboard)], include_in_schema=False)

# The settings form's checkboxes: absent from a submitted form when unticked.
COMPOSER_FLAGS = ("composer", "composer_dev", "composer_quiet")


async def _card(
    request: Request, session: DbSession, visitor: Visitor, project_id: int, **context: Any
) -> HTMLResponse:
    project = await projects.get(session, visitor.user, project_id, owner_only=True)
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return render(
        request,
        "projects/_settings.html",
        project=project,
        providers=PROVIDERS,
        deploy_url=f"{public_url(request)}/deploy/{project.token}",
        url=f"/projects/{project.id}",
        **context,
    )


@router.get("/projects/{project_id}/settings")
async def settings_card(
    project_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    return await _card(request, session, visitor, project_id)


@router.post("/projects/{project_id}/source")
async def change_source(
    project_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    """A new repository or branch: the next deployment clones it."""
    try:
        body = visitor.model(SourceUpdate, push_to_deploy=visitor.text("push_to_deploy") == "1")
        project = await projects.update_source(session, visitor.user, project_id, body)
    except ShipyardError as exc:
        await recover(session, visitor)
        return await _card(
            request, session, visitor, project_id, form="source", values=visitor.values(), **failure(exc)
        )
    audit.record(session, visitor.actor, "project.source.update", subject=f"project:{project.id}")
    notice = f"The next deployment clones {project.branch} of {project.repository}."
    return await _card(request, session, visitor, project_id, form="source", notice=notice)


@router.post("/projects/{project_id}/settings")
async def change_settings(
    project_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    flags = {name: visitor.text(name) == "1" for name in COMPOSER_FLAGS}
    blanks = {name: visitor.text(name) or None for name in ("monitor", "health_url")}
    try:
        body = visitor.model(ProjectUpdate, **flags, **blanks)
        await projects.update(session, visitor.user, project_id, body)
    except ShipyardError as exc:
        await recover(session, visitor)
        return await _card(
            request, session, visitor, project_id, form="settings", values=visitor.values(), **failure(exc)
        )
    audit.record(session, visitor.actor, "project.update", subject=f"project:{project_id}")
    return await _card(request, session, visitor, project_id, form="settings", notice="Settings saved.")
