"""The agent protocol over HTTP (`/api/agent/...`, models in `shipyard_protocol`).

Agents authenticate with their own token (`Authorization: Bearer`), not a user's.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.ci.agents import service as agents
from shipyard.ci.agents.models import Agent
from shipyard.ci.queue import service
from shipyard.core.errors import Unauthenticated, ValidationFailed
from shipyard.core.settings import get_settings
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard_protocol import (
    PROTOCOL_VERSION,
    AgentInfo,
    LogEntry,
    NextRequest,
    Registered,
    StepState,
    WaitResult,
    WorkflowState,
    WorkflowTask,
)

router = APIRouter(prefix="/api/agent", tags=["ci agent protocol"])
MAX_LOG_BATCH = 5000


async def current_agent(request: Request, session: DbSession) -> Agent:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("An agent token is required (Authorization: Bearer).")
    return await agents.authenticate(session, token.strip())


CurrentAgent = Annotated[Agent, Depends(current_agent)]


@router.post("/register", response_model=Registered)
async def register(info: AgentInfo, agent: CurrentAgent) -> Registered:
    """Record what the agent runs on; refuses another protocol version."""
    if info.protocol_version != PROTOCOL_VERSION:
        raise ValidationFailed({"protocol_version": [f"This server speaks protocol {PROTOCOL_VERSION}."]})
    agents.register(agent, info)
    settings = get_settings()
    return Registered(
        agent_id=agent.id, lease_seconds=settings.ci_lease_seconds, poll_seconds=settings.ci_long_poll_seconds
    )


@router.post("/next", response_model=WorkflowTask, responses={204: {"description": "no work for now"}})
async def next_workflow(
    body: NextRequest, agent: CurrentAgent, request: Request, session: DbSession
) -> Response:
    """Long poll: a workflow to run (200), or 204 when none came within the poll time."""
    agent_id = agent.id
    await session.commit()  # the poll must not hold a transaction (SQLite's lock) while it waits
    task = await service.next_task(agent_id, body.labels, body.runner, request.is_disconnected)
    if task is None:
        return Response(status_code=204)
    return Response(content=task.model_dump_json(), media_type="application/json")


@router.post("/workflows/{workflow_id}/init", status_code=204)
async def init(
    workflow_id: ResourceId, state: WorkflowState, agent: CurrentAgent, session: DbSession
) -> None:
    await service.init(session, agent, workflow_id, state)


@router.post("/workflows/{workflow_id}/extend", response_model=WaitResult)
async def extend(workflow_id: ResourceId, agent: CurrentAgent, session: DbSession) -> WaitResult:
    return await service.extend(session, agent, workflow_id)


@router.post("/workflows/{workflow_id}/wait", response_model=WaitResult)
async def wait(workflow_id: ResourceId, agent: CurrentAgent, session: DbSession) -> WaitResult:
    """Returns when the workflow is canceled or over, or after a while with neither (ask again)."""
    agent_id = agent.id
    await session.commit()
    return await service.wait(agent_id, workflow_id)


@router.post("/workflows/{workflow_id}/steps", status_code=204)
async def update_step(
    workflow_id: ResourceId, state: StepState, agent: CurrentAgent, session: DbSession
) -> None:
    await service.update_step(session, agent, workflow_id, state)


@router.post("/workflows/{workflow_id}/logs", status_code=204)
async def logs(
    workflow_id: ResourceId, entries: list[LogEntry], agent: CurrentAgent, session: DbSession
) -> None:
    if len(entries) > MAX_LOG_BATCH:
        raise ValidationFailed({"entries": [f"At most {MAX_LOG_BATCH} lines per batch."]})
    await service.append_logs(session, agent, workflow_id, entries)


@router.post("/workflows/{workflow_id}/done", status_code=204)
async def done(
    workflow_id: ResourceId, state: WorkflowState, agent: CurrentAgent, session: DbSession
) -> None:
    await service.done(session, agent, workflow_id, state)
