"""Woodpecker's agent and queue endpoints."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from fastapi import APIRouter, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.models import User
from shipyard.ci.access import AgentsAdmin, AgentsUser, require_admin
from shipyard.ci.agents import service
from shipyard.ci.agents.schemas import AgentCreate, AgentOut, AgentPatch, QueueInfoOut, TaskOut
from shipyard.ci.queue import info as queue_info
from shipyard.ci.queue import service as queue
from shipyard.ci.repos import service as repos
from shipyard.core.db import get_sessionmaker
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession

router = APIRouter(prefix="/api", tags=["ci agents"])
NO_RUNNING_POLL_SECONDS = 0.5


@router.get("/agents", response_model=list[AgentOut])
async def list_agents(
    principal: AgentsAdmin, session: DbSession, paging: Paging, request: Request, response: Response
) -> list[AgentOut]:
    rows, total = await service.page(session, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return [service.read(a) for a in rows]


@router.post("/agents", response_model=AgentOut)
async def create_agent(body: AgentCreate, principal: AgentsAdmin, session: DbSession) -> AgentOut:
    """A global agent with a fresh random token (`shipyard agent --token`)."""
    agent = await service.create(session, principal.user.id, body)
    audit.record(session, principal.actor, "ci.agent.create", subject=f"ci-agent:{agent.id}")
    return service.read(agent)


@router.get("/agents/{agent_id}", response_model=AgentOut)
async def get_agent(agent_id: ResourceId, principal: AgentsAdmin, session: DbSession) -> AgentOut:
    return service.read(await service.get(session, agent_id))


@router.patch("/agents/{agent_id}", response_model=AgentOut)
async def update_agent(
    agent_id: ResourceId, body: AgentPatch, principal: AgentsAdmin, session: DbSession
) -> AgentOut:
    agent = await service.update(session, agent_id, body)
    audit.record(session, principal.actor, "ci.agent.update", subject=f"ci-agent:{agent.id}")
    return service.read(agent)


@router.delete("/agents/{agent_id}", status_code=200)
async def delete_agent(agent_id: ResourceId, principal: AgentsAdmin, session: DbSession) -> Response:
    await service.delete(session, agent_id)
    audit.record(session, principal.actor, "ci.agent.delete", subject=f"ci-agent:{agent_id}")
    return Response(status_code=200)


@router.get("/agents/{agent_id}/tasks", response_model=list[TaskOut])
async def agent_tasks(agent_id: ResourceId, principal: AgentsAdmin, session: DbSession) -> Sequence[TaskOut]:
    """The workflows the agent holds now."""
    agent = await service.get(session, agent_id)
    return await queue_info.tasks_of_agent(session, agent.id)


async def _org_admin(session: DbSession, user: User, org_id: int) -> int:
    return (await repos.org_admin(session, user, org_id)).id


@router.get("/orgs/{org_id}/agents", response_model=list[AgentOut])
async def list_org_agents(
    org_id: ResourceId,
    principal: AgentsUser,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> list[AgentOut]:
    org = await _org_admin(session, principal.user, org_id)
    rows, total = await service.page(session, org_id=org, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return [service.read(a) for a in rows]


@router.post("/orgs/{org_id}/agents", response_model=AgentOut)
async def create_org_agent(
    org_id: ResourceId, body: AgentCreate, principal: AgentsUser, session: DbSession
) -> AgentOut:
    """An agent that runs only this organization's workflows."""
    org = await _org_admin(session, principal.user, org_id)
    agent = await service.create(session, principal.user.id, body, org_id=org)
    audit.record(session, principal.actor, "ci.agent.create", subject=f"ci-agent:{agent.id}")
    return service.read(agent)


@router.patch("/orgs/{org_id}/agents/{agent_id}", response_model=AgentOut)
async def update_org_agent(
    org_id: ResourceId, agent_id: ResourceId, body: AgentPatch, principal: AgentsUser, session: DbSession
) -> AgentOut:
    org = await _org_admin(session, principal.user, org_id)
    agent = await service.update(session, agent_id, body, org_id=org)
    audit.record(session, principal.actor, "ci.agent.update", subject=f"ci-agent:{agent.id}")
    return service.read(agent)


@router.delete("/orgs/{org_id}/agents/{agent_id}", status_code=204)
async def delete_org_agent(
    org_id: ResourceId, agent_id: ResourceId, principal: AgentsUser, session: DbSession
) -> None:
    org = await _org_admin(session, principal.user, org_id)
    await service.delete(session, agent_id, org_id=org)
    audit.record(session, principal.actor, "ci.agent.delete", subject=f"ci-agent:{agent_id}")


@router.get("/queue/info", response_model=QueueInfoOut)
async def get_queue_info(principal: AgentsUser, session: DbSession) -> QueueInfoOut:
    require_admin(principal.user)
    return await queue_info.info(session)


@router.post("/queue/pause", status_code=204)
async def pause(principal: AgentsUser, session: DbSession) -> None:
    """No workflow is handed out until resumed; running ones go on."""
    require_admin(principal.user)
    await queue.set_paused(session, True)
    audit.record(session, principal.actor, "ci.queue.pause")


@router.post("/queue/resume", status_code=204)
async def resume(principal: AgentsUser, session: DbSession) -> None:
    require_admin(principal.user)
    await queue.set_paused(session, False)
    audit.record(session, principal.actor, "ci.queue.resume")


@router.get("/queue/norunningpipelines", status_code=204)
async def no_running_pipelines(principal: AgentsUser, session: DbSession, request: Request) -> None:
    """Returns once no workflow is running (polls the database)."""
    require_admin(principal.user)
    await session.commit()
    sessions = get_sessionmaker()
    while not await request.is_disconnected():
        async with sessions() as poll:
            if not await queue_info.any_running(poll):
                return
        await asyncio.sleep(NO_RUNNING_POLL_SECONDS)
