"""Woodpecker's pipeline, log, badge, feed and stream endpoints, and `POST /api/hook`."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import PlainTextResponse, StreamingResponse

from shipyard.audit import service as audit
from shipyard.ci.access import Guest, LoggedIn, PipelinesUser, require_admin, user_of
from shipyard.ci.logs import service as logs
from shipyard.ci.logs.service import LogEntryOut
from shipyard.ci.pipelines import badges, webhooks
from shipyard.ci.pipelines import service as pipelines
from shipyard.ci.pipelines.models import Pipeline
from shipyard.ci.pipelines.read import feed_out, pipeline_out
from shipyard.ci.pipelines.schemas import ConfigOut, FeedOut, PipelineOptions, PipelineOut
from shipyard.ci.repos import service as repos
from shipyard.ci.repos.models import Repo
from shipyard.ci.status import FINISHED
from shipyard.ci.web import SSE_HEADERS, sse
from shipyard.core.db import get_sessionmaker
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.core.settings import get_settings
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.http.urls import public_url

router = APIRouter(prefix="/api", tags=["ci pipelines"])
PING_SECONDS = 30.0
MAX_NUMBER = 2**31 - 1


async def _with_details(session: DbSession, pipeline: Pipeline) -> PipelineOut:
    workflows, steps = await pipelines.details(session, [pipeline])
    return pipeline_out(pipeline, workflows, steps)


MAX_HOOK_BYTES = 5 * 1024 * 1024


@router.post(
    "/hook",
    response_model=PipelineOut,
    responses={
        204: {"description": "nothing to run (deleted ref, [ci skip], an event that runs nothing)"},
        401: {"description": "the webhook's signature does not match"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object"}}},
            "description": "the forge's webhook payload (the forge is detected from the headers), or "
            "`{ref, before, after}` from a `git` forge's post-receive hook",
        }
    },
)
async def hook(
    session: DbSession,
    request: Request,
    access_token: Annotated[str, Query(max_length=2000, description="the repository's hook token")] = "",
) -> Response:
    """A forge's webhook: forgejo/gitea, GitHub and GitLab ones are signed with the repository's
    secret; a `git` forge's push (`{ref, before, after}`) carries the repository's hook token."""
    body = await request.body()
    if len(body) > MAX_HOOK_BYTES:
        raise ValidationFailed({"hook": [f"The payload is over {MAX_HOOK_BYTES} bytes."]})
    pipeline = await webhooks.receive(session, request.headers, body, access_token, public_url(request))
    if pipeline is None:
        return Response(status_code=204)
    out = await _with_details(session, pipeline)
    return Response(content=out.model_dump_json(), media_type="application/json")


@router.get("/repos/{repo_id}/pipelines", response_model=list[PipelineOut])
async def list_pipelines(
    repo_id: ResourceId,
    principal: Guest,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
    before: Annotated[str | None, Query(max_length=32)] = None,
    after: Annotated[str | None, Query(max_length=32)] = None,
    branch: Annotated[str | None, Query(max_length=255)] = None,
    event: Annotated[str | None, Query(max_length=32)] = None,
    ref: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> list[PipelineOut]:
    repo = await repos.get(session, user_of(principal), repo_id)
    filters: dict[str, Any] = {"branch": branch, "event": event, "ref": ref, "status": status}
    for key, value in (("before", before), ("after", after)):
        if value:
            if not value.isdigit() or int(value) > 2**62:
                raise ValidationFailed({key: [f"{key} is a unix time in seconds."]})
            filters[key] = int(value)
    rows, total = await pipelines.page(session, repo, filters, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return [pipeline_out(p) for p in rows]


@router.post("/repos/{repo_id}/pipelines", response_model=PipelineOut)
async def run_pipeline(
    repo_id: ResourceId,
    options: PipelineOptions,
    principal: PipelinesUser,
    session: DbSession,
    request: Request,
) -> PipelineOut:
    """A manual pipeline on `branch` (default: the repository's default branch)."""
    repo = await repos.get(session, principal.user, repo_id, "push")
    pipeline = await pipelines.manual(
        session,
        principal.user,
        repo,
        branch=options.branch,
        variables=options.variables,
        server_url=public_url(request),
    )
    audit.record(session, principal.actor, "ci.pipeline.manual", subject=f"ci-pipeline:{pipeline.id}")
    return await _with_details(session, pipeline)


async def _pipeline(session: DbSession, repo: Repo, number: str, branch: str | None = None) -> Pipeline:
    if number == "latest":
        return await pipelines.latest(session, repo, branch)
    if not number.isdigit() or int(number) > MAX_NUMBER:
        raise NotFound("pipeline")
    return await pipelines.get_pipeline(session, repo, int(number))


@router.get("/repos/{repo_id}/pipelines/{pipeline_number}", response_model=PipelineOut)
async def get_pipeline(
    repo_id: ResourceId,
    pipeline_number: str,
    principal: Guest,
    session: DbSession,
    branch: Annotated[str | None, Query(max_length=255)] = None,
) -> PipelineOut:
    """A pipeline by number, or `latest` (of `branch`, if given)."""
    repo = await repos.get(session, user_of(principal), repo_id)
    return await _with_details(session, await _pipeline(session, repo, pipeline_number, branch))


@router.post("/repos/{repo_id}/pipelines/{pipeline_number}", response_model=PipelineOut)
async def restart_pipeline(
    repo_id: ResourceId,
    pipeline_number: ResourceId,
    principal: PipelinesUser,
    session: DbSession,
    request: Request,
    event: Annotated[str | None, Query(max_length=32)] = None,
    deploy_to: Annotated[str, Query(max_length=255)] = "",
) -> PipelineOut:
    """A new pipeline for the same commit; other query parameters become pipeline variables."""
    repo = await repos.get(session, principal.user, repo_id, "push")
    reserved = {"event", "deploy_to", "access_token", "token", "sudo"}
    variables = {k: v[:1000] for k, v in request.query_params.items() if k not in reserved and len(k) <= 255}
    pipeline = await pipelines.restart(
        session,
        principal.user,
        repo,
        pipeline_number,
        event=event,
        deploy_to=deploy_to,
        variables=variables,
        server_url=public_url(request),
    )
    audit.record(session, principal.actor, "ci.pipeline.restart", subject=f"ci-pipeline:{pipeline.id}")
    return await _with_details(session, pipeline)


@router.delete("/repos/{repo_id}/pipelines/{pipeline_number}", status_code=204)
async def delete_pipeline(
    repo_id: ResourceId, pipeline_number: ResourceId, principal: PipelinesUser, session: DbSession
) -> None:
    repo = await repos.get(session, principal.user, repo_id, "admin")
    await pipelines.delete(session, repo, pipeline_number)
    audit.record(
        session, principal.actor, "ci.pipeline.delete", subject=f"ci-repo:{repo.id}:{pipeline_number}"
    )


@router.post("/repos/{repo_id}/pipelines/{pipeline_number}/cancel", status_code=200)
async def cancel_pipeline(
    repo_id: ResourceId, pipeline_number: ResourceId, principal: PipelinesUser, session: DbSession
) -> Response:
    repo = await repos.get(session, principal.user, repo_id, "push")
    pipeline = await pipelines.cancel(session, principal.user, repo, pipeline_number)
    audit.record(session, principal.actor, "ci.pipeline.cancel", subject=f"ci-pipeline:{pipeline.id}")
    return Response(status_code=200)


@router.post("/repos/{repo_id}/pipelines/{pipeline_number}/approve", response_model=PipelineOut)
async def approve_pipeline(
    repo_id: ResourceId, pipeline_number: ResourceId, principal: PipelinesUser, session: DbSession
) -> PipelineOut:
    repo = await repos.get(session, principal.user, repo_id, "push")
    pipeline = await pipelines.approve(session, principal.user, repo, pipeline_number)
    audit.record(session, principal.actor, "ci.pipeline.approve", subject=f"ci-pipeline:{pipeline.id}")
    return await _with_details(session, pipeline)


@router.post("/repos/{repo_id}/pipelines/{pipeline_number}/decline", response_model=PipelineOut)
async def decline_pipeline(
    repo_id: ResourceId, pipeline_number: ResourceId, principal: PipelinesUser, session: DbSession
) -> PipelineOut:
    repo = await repos.get(session, principal.user, repo_id, "push")
    pipeline = await pipelines.decline(session, principal.user, repo, pipeline_number)
    audit.record(session, principal.actor, "ci.pipeline.decline", subject=f"ci-pipeline:{pipeline.id}")
    return await _with_details(session, pipeline)


@router.get("/repos/{repo_id}/pipelines/{pipeline_number}/config", response_model=list[ConfigOut])
async def pipeline_config(
    repo_id: ResourceId, pipeline_number: ResourceId, principal: Guest, session: DbSession
) -> list[ConfigOut]:
    repo = await repos.get(session, user_of(principal), repo_id)
    pipeline = await pipelines.get_pipeline(session, repo, pipeline_number)
    return [
        ConfigOut(name=c["name"], hash=c["hash"], data=base64.b64encode(c["data"].encode()).decode())
        for c in pipeline.configs
    ]


@router.get("/repos/{repo_id}/pipelines/{pipeline_number}/metadata")
async def pipeline_metadata(
    repo_id: ResourceId,
    pipeline_number: ResourceId,
    principal: PipelinesUser,
    session: DbSession,
    request: Request,
) -> dict[str, Any]:
    """What the pipeline's CI_* variables are made of (Woodpecker's metadata.Metadata)."""
    repo = await repos.get(session, principal.user, repo_id, "push")
    meta = await pipelines.metadata(session, repo, pipeline_number, public_url(request))
    return meta.model_dump()


async def _step(session: DbSession, repo: Repo, number: int, step_id: int) -> Any:
    pipeline = await pipelines.get_pipeline(session, repo, number)
    _, steps = await pipelines.details(session, [pipeline])
    for step in steps:
        if step.id == step_id:
            return step
    raise NotFound("step")


@router.get("/repos/{repo_id}/logs/{pipeline_number}/{step_id}", response_model=list[LogEntryOut])
async def step_logs(
    repo_id: ResourceId,
    pipeline_number: ResourceId,
    step_id: ResourceId,
    principal: Guest,
    session: DbSession,
) -> list[LogEntryOut]:
    repo = await repos.get(session, user_of(principal), repo_id)
    step = await _step(session, repo, pipeline_number, step_id)
    return [logs.entry_out(line) for line in await logs.lines(session, step)]


@router.get("/repos/{repo_id}/logs/{pipeline_number}/{step_id}/download", response_class=PlainTextResponse)
async def download_logs(
    repo_id: ResourceId,
    pipeline_number: ResourceId,
    step_id: ResourceId,
    principal: Guest,
    session: DbSession,
) -> PlainTextResponse:
    repo = await repos.get(session, user_of(principal), repo_id)
    step = await _step(session, repo, pipeline_number, step_id)
    text = "".join(line.data + "\n" for line in await logs.lines(session, step))
    name = re.sub(r"[^A-Za-z0-9._-]", "_", f"{repo.name}-{pipeline_number}-{step.name}.log")
    return PlainTextResponse(text, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.delete("/repos/{repo_id}/logs/{pipeline_number}/{step_id}", status_code=204)
async def delete_step_logs(
    repo_id: ResourceId,
    pipeline_number: ResourceId,
    step_id: ResourceId,
    principal: PipelinesUser,
    session: DbSession,
) -> None:
    repo = await repos.get(session, principal.user, repo_id, "push")
    step = await _step(session, repo, pipeline_number, step_id)
    if step.state not in FINISHED:
        raise ValidationFailed({"step_id": ["The step is still running."]})
    await logs.delete_step(session, step)


@router.delete("/repos/{repo_id}/logs/{pipeline_number}", status_code=204)
async def delete_pipeline_logs(
    repo_id: ResourceId, pipeline_number: ResourceId, principal: PipelinesUser, session: DbSession
) -> None:
    repo = await repos.get(session, principal.user, repo_id, "push")
    pipeline = await pipelines.get_pipeline(session, repo, pipeline_number)
    if pipeline.status not in FINISHED:
        raise ValidationFailed({"pipeline_number": ["The pipeline is still running."]})
    await logs.delete_pipeline(session, pipeline.id)


def _stream_limit() -> float:
    return get_settings().ci_stream_seconds


@router.get("/stream/logs/{repo_id}/{pipeline}/{step_id}", response_class=StreamingResponse)
async def stream_logs(
    repo_id: ResourceId,
    pipeline: ResourceId,
    step_id: ResourceId,
    principal: Guest,
    session: DbSession,
    request: Request,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """Server-sent events: one LogEntry per `data:` (id = line number), then `event: eof` when the
    step is over. `Last-Event-ID` resumes after that line."""
    repo = await repos.get(session, user_of(principal), repo_id)
    step = await _step(session, repo, pipeline, step_id)
    after = int(last_event_id) if last_event_id and last_event_id.lstrip("-").isdigit() else -1
    step_pk = step.id
    await session.commit()

    async def events() -> AsyncIterator[bytes]:
        nonlocal after
        sessions = get_sessionmaker()
        started = last_ping = time.monotonic()
        tick = get_settings().ci_queue_tick
        while not await request.is_disconnected():
            async with sessions() as poll:
                current = await pipelines.step_by_id(poll, step_pk)
                if current is None:
                    break
                over = current.state in FINISHED
                batch = await logs.lines(poll, current, after=after)
            for line in batch:
                after = line.line
                yield sse(logs.entry_out(line).model_dump_json(), event_id=str(line.line))
            if over and not batch:
                yield sse("eof", event="eof")
                return
            if time.monotonic() - last_ping > PING_SECONDS:
                last_ping = time.monotonic()
                yield b": ping\n\n"
            if time.monotonic() - started > _stream_limit():
                return
            await asyncio.sleep(tick)

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)


@router.get("/stream/events", response_class=StreamingResponse)
async def stream_events(principal: Guest, session: DbSession, request: Request) -> StreamingResponse:
    """Server-sent events: `{"repo", "pipeline"}` whenever a visible pipeline changes; `: ping` every 30 s."""
    user = user_of(principal)
    since = int(time.time())
    await session.commit()

    async def events() -> AsyncIterator[bytes]:
        nonlocal since
        sessions = get_sessionmaker()
        last_id = 0
        started = last_ping = time.monotonic()
        tick = max(get_settings().ci_queue_tick, 0.5)
        while not await request.is_disconnected():
            async with sessions() as poll:
                changed = await pipelines.updated_since(poll, since, last_id)
                messages = []
                for p in changed:
                    since, last_id = p.updated, p.id
                    repo = await repos.get_visible(poll, user, p.repo_id)
                    if repo is None:
                        continue
                    detail = await _with_details(poll, p)
                    body = {"repo": repos.read(repo).model_dump(), "pipeline": detail.model_dump()}
                    messages.append(json.dumps(body))
            for message in messages:
                yield sse(message)
            if time.monotonic() - last_ping > PING_SECONDS:
                last_ping = time.monotonic()
                yield b": ping\n\n"
            if time.monotonic() - started > _stream_limit():
                return
            await asyncio.sleep(tick)

    return StreamingResponse(events(), media_type="text/event-stream", headers=SSE_HEADERS)


@router.get("/pipelines", response_model=list[FeedOut])
async def queue_feed(principal: LoggedIn, session: DbSession) -> list[FeedOut]:
    """Admins: the pipelines pending or running, of every repository."""
    require_admin(principal.user)
    rows = await pipelines.feed(session, None, statuses=["pending", "running"])
    return [feed_out(p, await repos.get_raw(session, p.repo_id)) for p in rows]


@router.get("/user/feed", response_model=list[FeedOut])
async def user_feed(principal: LoggedIn, session: DbSession) -> list[FeedOut]:
    """The latest pipelines of the caller's repositories."""
    mine = await repos.of_user(session, principal.user, name=None, include_inactive=False)
    by_id = {r.id: r for r in mine}
    rows = await pipelines.feed(session, list(by_id), statuses=None)
    return [feed_out(p, by_id[p.repo_id]) for p in rows]


async def _badge_repo(session: DbSession, repo_id: str, name: str | None = None) -> Repo:
    if name is not None:
        repo = await repos.get_by_full_name(session, f"{repo_id}/{name}")
    elif repo_id.isdigit() and int(repo_id) <= MAX_NUMBER:
        repo = await repos.get_raw(session, int(repo_id))
    else:
        repo = None
    if repo is None:
        raise NotFound("repository")
    return repo


async def _badge_pipeline(session: DbSession, repo: Repo, branch: str | None) -> Pipeline | None:
    try:
        return await pipelines.latest(session, repo, branch or repo.default_branch)
    except NotFound:
        return None


_SVG = {"content": {"image/svg+xml": {}}, "description": "an SVG badge"}
_XML = {"content": {"application/xml": {}}, "description": "CCTray XML"}


@router.get("/badges/{repo_id}/status.svg", response_class=Response, responses={200: _SVG})
async def badge(
    repo_id: str, session: DbSession, branch: Annotated[str | None, Query(max_length=255)] = None
) -> Response:
    """The status of the latest pipeline of a branch (default: the default branch), public."""
    repo = await _badge_repo(session, repo_id)
    body = badges.svg(await _badge_pipeline(session, repo, branch))
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "no-cache"})


@router.get("/badges/{repo_id}/cc.xml", response_class=Response, responses={200: _XML})
async def cc_xml(repo_id: str, session: DbSession, request: Request) -> Response:
    repo = await _badge_repo(session, repo_id)
    body = badges.cc_xml(repo, await _badge_pipeline(session, repo, None), _web_url(request, repo))
    return Response(body, media_type="application/xml")


@router.get("/badges/{owner}/{name}/status.svg", response_class=Response, responses={200: _SVG})
async def badge_by_name(
    owner: str, name: str, session: DbSession, branch: Annotated[str | None, Query(max_length=255)] = None
) -> Response:
    repo = await _badge_repo(session, owner, name)
    body = badges.svg(await _badge_pipeline(session, repo, branch))
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "no-cache"})


@router.get("/badges/{owner}/{name}/cc.xml", response_class=Response, responses={200: _XML})
async def cc_xml_by_name(owner: str, name: str, session: DbSession, request: Request) -> Response:
    repo = await _badge_repo(session, owner, name)
    body = badges.cc_xml(repo, await _badge_pipeline(session, repo, None), _web_url(request, repo))
    return Response(body, media_type="application/xml")


def _web_url(request: Request, repo: Repo) -> str:
    return f"{public_url(request)}/repos/{repo.id}"
