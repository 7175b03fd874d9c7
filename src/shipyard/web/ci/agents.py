"""CI administration pages: the agents (state, what each runs, create with the token shown once,
pause and resume) and the queue, where every waiting workflow shows why it waits."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from shipyard.audit import service as audit
from shipyard.ci.access import require_admin
from shipyard.ci.agents import service as agents
from shipyard.ci.agents.models import Agent
from shipyard.ci.agents.schemas import AgentCreate, AgentPatch, QueueTaskOut
from shipyard.ci.queue import info as queue_info
from shipyard.ci.queue import service as queue
from shipyard.core.errors import NotFound, ShipyardError, ValidationFailed
from shipyard.core.settings import get_settings
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.web.context import SignedIn, Visitor, mark_dashboard, recover
from shipyard.web.templating import failure, render

router = APIRouter(dependencies=[Depends(mark_dashboard)], include_in_schema=False)

AGENTS_SHOWN = 200


def agent_state(agent: Agent) -> str:
    """paused (no_schedule), never connected, online (polled lately) or offline."""
    if agent.no_schedule:
        return "paused"
    if not agent.last_contact:
        return "never connected"
    recent = 2 * get_settings().ci_long_poll_seconds + 10
    return "online" if time.time() - agent.last_contact <= recent else "offline"


def labels(text: str) -> dict[str, str]:
    """`key=value` lines (blank lines ignored) as labels; a line without `=` is a field error."""
    labels: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ValidationFailed({"custom_labels": [f"“{line.strip()}” is not key=value."]})
        labels[key.strip()] = value.strip()
    return labels


async def _agents_page(
    request: Request, session: DbSession, visitor: Visitor, **context: Any
) -> HTMLResponse:
    require_admin(visitor.user)
    rows, _ = await agents.page(session, offset=0, limit=AGENTS_SHOWN)
    running: dict[int, list[QueueTaskOut]] = {}
    for task in (await queue_info.info(session)).running:
        running.setdefault(task.agent_id, []).append(task)
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return render(request, "ci/agents.html", agents=rows, running=running, state=agent_state, **context)


@router.get("/ci/agents")
async def list_agents(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """Administrators: every agent with its state and the workflows it runs now."""
    return await _agents_page(request, session, visitor)


@router.post("/ci/agents")
async def create_agent(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """A new agent; its token is shown on this answer only."""
    require_admin(visitor.user)
    try:
        body = visitor.model(
            AgentCreate,
            custom_labels=labels(visitor.text("custom_labels")),
            no_schedule=visitor.text("no_schedule") == "1",
        )
        agent = await agents.create(session, visitor.user.id, body)
    except ShipyardError as exc:
        await recover(session, visitor)
        values = visitor.values()
        return await _agents_page(request, session, visitor, values=values, **failure(exc))
    audit.record(session, visitor.actor, "ci.agent.create", subject=f"ci-agent:{agent.id}")
    created = {"name": agent.name, "token": agent.token}
    return await _agents_page(request, session, visitor, created=created)


@router.post("/ci/agents/{agent_id}/{action}")
async def pause_agent(agent_id: ResourceId, action: str, visitor: SignedIn, session: DbSession) -> Response:
    """`pause` (no_schedule: the agent takes no new work) or `resume`."""
    require_admin(visitor.user)
    if action not in ("pause", "resume"):
        raise NotFound("action")
    agent = await agents.update(session, agent_id, AgentPatch(no_schedule=action == "pause"))
    audit.record(session, visitor.actor, "ci.agent.update", subject=f"ci-agent:{agent.id}")
    return RedirectResponse("/ci/agents", status_code=303)


@router.get("/ci/queue")
async def show_queue(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """Administrators: the waiting workflows with the reason each waits, and the running ones."""
    require_admin(visitor.user)
    summary = await queue_info.info(session)
    template = "ci/_queue.html" if request.query_params.get("part") else "ci/queue.html"
    return render(
        request,
        template,
        info=summary,
        waiting=await queue_info.waiting(session),
        paused=summary.paused,
    )


@router.post("/ci/queue/{action}")
async def pause_queue(action: str, visitor: SignedIn, session: DbSession) -> Response:
    """`pause` (no agent gets new work) or `resume` the whole queue."""
    require_admin(visitor.user)
    if action not in ("pause", "resume"):
        raise NotFound("action")
    await queue.set_paused(session, action == "pause")
    audit.record(session, visitor.actor, f"ci.queue.{action}")
    return RedirectResponse("/ci/queue", status_code=303)
