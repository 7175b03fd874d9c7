"""CI pages: repositories (activate from a forge), a repository's pipelines (filtered, paged), and a
pipeline's workflows and steps with the selected step's log, streamed live over the API's own
`/api/stream/logs` endpoint while the step runs; restart, cancel, approve and decline."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from starlette.responses import HTMLResponse, RedirectResponse, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Principal
from shipyard.ci.forges import service as forges
from shipyard.ci.logs import service as logs
from shipyard.ci.pipelines import service as pipelines
from shipyard.ci.pipelines.models import Pipeline, Step, Workflow
from shipyard.ci.pipelines.router import stream_logs
from shipyard.ci.repos import service as repos
from shipyard.ci.repos.models import Repo
from shipyard.ci.status import ACTIVE, FINISHED, Status
from shipyard.core.errors import NotFound, ShipyardError
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.http.urls import public_url
from shipyard.web import sections
from shipyard.web.ci.sections import BY_KEY, ORG_BY_KEY, ORG_SECTIONS, SECTIONS
from shipyard.web.context import SignedIn, Visitor, mark_dashboard, recover
from shipyard.web.templating import failure, render, templates

router = APIRouter(dependencies=[Depends(mark_dashboard)], include_in_schema=False)

PAGE_SIZE = 20
FORGES_SHOWN = 50
EVENTS = ("push", "pull_request", "pull_request_closed", "tag", "release", "deployment", "cron", "manual")
STATUSES = tuple(status.value for status in Status)
FILTERS = ("branch", "event", "status")
ACTIONS = {
    "restart": "ci.pipeline.restart",
    "cancel": "ci.pipeline.cancel",
    "approve": "ci.pipeline.approve",
    "decline": "ci.pipeline.decline",
}
# Running pipelines (and blocked ones, waiting for a review) change: their page polls.
LIVE = frozenset({Status.PENDING, Status.RUNNING, Status.BLOCKED, Status.CREATED})
_COLOURS = {
    Status.SUCCESS: "ok",
    Status.FAILURE: "bad",
    Status.ERROR: "bad",
    Status.KILLED: "bad",
    Status.DECLINED: "bad",
    Status.RUNNING: "busy",
    Status.PENDING: "busy",
    Status.BLOCKED: "busy",
    Status.CREATED: "busy",
}


def ci_badge(status: str) -> Markup:
    """A pipeline, workflow or step status in its colour."""
    kind = _COLOURS.get(Status(status), "neutral") if status in STATUSES else "neutral"
    return Markup('<span class="badge badge-{}">{}</span>').format(kind, status)


def unix_time(seconds: int) -> datetime | None:
    """A Woodpecker timestamp (unix seconds, 0 = not yet) as a datetime for `reltime`."""
    return datetime.fromtimestamp(seconds, UTC) if seconds else None


def duration(started: int, finished: int) -> str:
    """'1m 05s' from start to end (or to now while running); '' before the start."""
    if not started:
        return ""
    end = finished or int(datetime.now(UTC).timestamp())
    minutes, seconds = divmod(max(end - started, 0), 60)
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


templates.env.filters["ci_badge"] = ci_badge
templates.env.filters["unix_time"] = unix_time


def _repo_url(repo_id: int) -> str:
    return f"/ci/repos/{repo_id}"


def _pipeline_url(repo_id: int, number: int) -> str:
    return f"/ci/repos/{repo_id}/pipelines/{number}"


def _redirect(request: Request, url: str) -> Response:
    """Go to `url`: htmx follows HX-Redirect, a plain form a 303."""
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


async def _list_page(
    request: Request, session: DbSession, visitor: Visitor, status_code: int = 200, **context: Any
) -> HTMLResponse:
    rows = await repos.of_user(session, visitor.user, name=None, include_inactive=False)
    latest = {repo.id: await pipelines.newest(session, repo) for repo in rows}
    forge_rows, _ = await forges.page(session, offset=0, limit=FORGES_SHOWN)
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return render(
        request,
        "ci/repos.html",
        status_code=status_code,
        repos=rows,
        latest=latest,
        forges=forge_rows,
        admin=visitor.user.is_admin,
        **context,
    )


@router.get("/ci")
async def list_repos(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """The user's active repositories with their newest pipeline, and the activation form."""
    return await _list_page(request, session, visitor)


@router.post("/ci/repos")
async def activate_repo(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """Activate a forge's repository; the forge's reason shows next to the field it concerns."""
    forge_id = visitor.text("forge_id")
    try:
        repo = await repos.activate(
            session,
            visitor.user,
            visitor.text("forge_remote_id"),
            int(forge_id) if forge_id.isdigit() else None,
            public_url(request),
        )
    except ShipyardError as exc:
        await recover(session, visitor)
        values = visitor.values()
        return await _list_page(request, session, visitor, values=values, **failure(exc))
    audit.record(session, visitor.actor, "ci.repo.activate", subject=f"ci-repo:{repo.id}")
    return RedirectResponse(_repo_url(repo.id), status_code=303)


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return max(int(raw), 1) if raw.isdigit() and len(raw) < 7 else 1


@router.get("/ci/repos/{repo_id}")
async def show_repo(repo_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """A repository's pipelines, newest first, filtered by branch, event and status, twenty a page."""
    repo = await repos.get(session, visitor.user, repo_id)
    chosen = {key: request.query_params.get(key, "").strip()[:255] for key in FILTERS}
    number = _page_number(request)
    filters: dict[str, Any] = {key: value or None for key, value in chosen.items()}
    rows, total = await pipelines.page(
        session, repo, filters, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    query = {key: value for key, value in chosen.items() if value}
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(
        request,
        "ci/repo.html",
        repo=repo,
        pipelines=rows,
        total=total,
        chosen=chosen,
        events=EVENTS,
        statuses=STATUSES,
        page=number,
        pages=pages,
        previous_url=f"?{urlencode({**query, 'page': number - 1})}" if number > 1 else None,
        next_url=f"?{urlencode({**query, 'page': number + 1})}" if number < pages else None,
        live=any(p.status in LIVE for p in rows),
        url=_repo_url(repo.id),
        sections=SECTIONS if (await repos.access(session, visitor.user, repo)).push else (),
        org_url=await _org_url(session, visitor, repo),
        duration=duration,
    )


async def _org_url(session: DbSession, visitor: Visitor, repo: Repo) -> str | None:
    """The repository's organization page, for the organization's admins."""
    org = await repos.org_raw(session, repo.org_id)
    return f"/ci/orgs/{org.id}" if org is not None and repos.org_perm(visitor.user, org).admin else None


@router.get("/ci/orgs/{org_id}")
async def show_org(org_id: ResourceId, request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """An organization's secrets, registries and agents, for its admins; and its repositories."""
    org = await repos.org_admin(session, visitor.user, org_id)
    mine = await repos.of_user(session, visitor.user, name=None, include_inactive=False)
    return render(
        request,
        "ci/org.html",
        org=org,
        repos=[repo for repo in mine if repo.org_id == org.id],
        sections=ORG_SECTIONS,
        url=f"/ci/orgs/{org.id}",
    )


def _tree(workflows: list[Workflow], steps: list[Step]) -> list[tuple[Workflow, list[Step]]]:
    """Workflows in order, each with its steps in order."""
    by_workflow: dict[int, list[Step]] = {}
    for step in sorted(steps, key=lambda s: s.pid):
        by_workflow.setdefault(step.workflow_id, []).append(step)
    return [(w, by_workflow.get(w.id, [])) for w in sorted(workflows, key=lambda w: w.pid)]


async def _pipeline_context(
    session: DbSession, visitor: Visitor, repo_id: int, number: int, step_id: int | None
) -> dict[str, Any]:
    repo = await repos.get(session, visitor.user, repo_id)
    pipeline = await pipelines.get_pipeline(session, repo, number)
    workflows, steps = await pipelines.details(session, [pipeline])
    tree = _tree(list(workflows), list(steps))
    ordered = [step for _, found in tree for step in found]
    selected = next((s for s in ordered if s.id == step_id), None)
    if selected is None and step_id is None:
        # The first step that failed, else the one running, else the last that ran.
        selected = (
            next((s for s in ordered if s.state in (Status.FAILURE, Status.ERROR, Status.KILLED)), None)
            or next((s for s in ordered if s.state in ACTIVE and s.started), None)
            or next((s for s in reversed(ordered) if s.started), None)
        )
    lines = await logs.lines(session, selected) if selected and selected.state in FINISHED else []
    return {
        "repo": repo,
        "pipeline": pipeline,
        "tree": tree,
        "selected": selected,
        "log": "".join(line.data + ("" if line.data.endswith("\n") else "\n") for line in lines),
        "live": pipeline.status in LIVE,
        "url": _pipeline_url(repo.id, pipeline.number),
        "duration": duration,
    }


def _selected_step(request: Request) -> int | None:
    raw = request.query_params.get("step", "")
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


@router.get("/ci/repos/{repo_id}/pipelines/{number}")
async def show_pipeline(
    repo_id: ResourceId, number: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    """The pipeline: its workflows and steps as a tree and the selected step's log (`?step=ID`)."""
    context = await _pipeline_context(session, visitor, repo_id, number, _selected_step(request))
    return render(request, "ci/pipeline.html", **context)


@router.get("/ci/repos/{repo_id}/pipelines/{number}/tree")
async def pipeline_tree(
    repo_id: ResourceId, number: ResourceId, request: Request, visitor: SignedIn, session: DbSession
) -> Response:
    """The pipeline's status, actions and step tree: the page polls it while the pipeline runs."""
    context = await _pipeline_context(session, visitor, repo_id, number, _selected_step(request))
    return render(request, "ci/_summary.html", **context)


@router.post("/ci/repos/{repo_id}/pipelines/{number}/{action}")
async def act_on_pipeline(
    repo_id: ResourceId,
    number: ResourceId,
    action: str,
    request: Request,
    visitor: SignedIn,
    session: DbSession,
) -> Response:
    """Restart (goes to the new pipeline), cancel, approve or decline; a refusal shows its reason."""
    if action not in ACTIONS:
        raise NotFound("action")
    repo = await repos.get(session, visitor.user, repo_id, "push")
    pipeline: Pipeline
    if action == "restart":
        pipeline = await pipelines.restart(
            session,
            visitor.user,
            repo,
            number,
            event=None,
            deploy_to="",
            variables={},
            server_url=public_url(request),
        )
    elif action == "cancel":
        pipeline = await pipelines.cancel(session, visitor.user, repo, number)
    elif action == "approve":
        pipeline = await pipelines.approve(session, visitor.user, repo, number)
    else:
        pipeline = await pipelines.decline(session, visitor.user, repo, number)
    audit.record(session, visitor.actor, ACTIONS[action], subject=f"ci-pipeline:{pipeline.id}")
    return _redirect(request, _pipeline_url(repo.id, pipeline.number))


@router.get("/ci/repos/{repo_id}/pipelines/{number}/logs/{step_id}/stream")
async def stream_step_log(
    repo_id: ResourceId,
    number: ResourceId,
    step_id: ResourceId,
    request: Request,
    visitor: SignedIn,
    session: DbSession,
) -> Response:
    """The API's log stream (`/api/stream/logs/...`) for the signed-in visitor: a browser's
    EventSource sends the session cookie, not a token."""
    principal = Principal(
        user=visitor.user, authenticated=visitor.user, token=None, with_password=False, ip=visitor.ip
    )
    return await stream_logs(
        repo_id,
        number,
        step_id,
        principal,
        session,
        request,
        last_event_id=(request.headers.get("Last-Event-ID") or "")[:20] or None,
    )


async def _repo_page(repo_id: ResourceId, visitor: SignedIn, session: DbSession) -> sections.Page:
    await repos.get(session, visitor.user, repo_id)
    return sections.Page(repo_id, _repo_url(repo_id))


sections.serve(router, "/ci/repos/{repo_id}", BY_KEY, _repo_page)


async def _org_page(org_id: ResourceId, visitor: SignedIn, session: DbSession) -> sections.Page:
    await repos.org_admin(session, visitor.user, org_id)
    return sections.Page(org_id, f"/ci/orgs/{org_id}")


sections.serve(router, "/ci/orgs/{org_id}", ORG_BY_KEY, _org_page)
