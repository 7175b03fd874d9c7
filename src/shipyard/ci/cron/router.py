"""Woodpecker's cron endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from shipyard.audit import service as audit
from shipyard.ci.access import CronsUser
from shipyard.ci.cron import service
from shipyard.ci.cron.schemas import CronCreate, CronOut, CronPatch
from shipyard.ci.pipelines import service as pipelines
from shipyard.ci.pipelines.read import pipeline_out
from shipyard.ci.pipelines.schemas import PipelineOut
from shipyard.ci.repos import service as repos
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.http.urls import public_url

router = APIRouter(prefix="/api/repos/{repo_id}/cron", tags=["ci cron"])


@router.get("", response_model=list[CronOut])
async def list_crons(
    repo_id: ResourceId,
    principal: CronsUser,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> list[CronOut]:
    repo = await repos.get(session, principal.user, repo_id, "push")
    rows, total = await service.page(session, repo, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return [service.read(c) for c in rows]


@router.post("", response_model=CronOut)
async def create_cron(
    repo_id: ResourceId, body: CronCreate, principal: CronsUser, session: DbSession
) -> CronOut:
    repo = await repos.get(session, principal.user, repo_id, "push")
    cron = await service.create(session, principal.user, repo, body)
    audit.record(session, principal.actor, "ci.cron.create", subject=f"ci-cron:{cron.id}")
    return service.read(cron)


@router.get("/{cron}", response_model=CronOut)
async def get_cron(
    repo_id: ResourceId, cron: ResourceId, principal: CronsUser, session: DbSession
) -> CronOut:
    repo = await repos.get(session, principal.user, repo_id, "push")
    return service.read(await service.get(session, repo, cron))


@router.post("/{cron}", response_model=PipelineOut)
async def run_cron(
    repo_id: ResourceId, cron: ResourceId, principal: CronsUser, session: DbSession, request: Request
) -> PipelineOut:
    """Start the cron's pipeline now."""
    repo = await repos.get(session, principal.user, repo_id, "push")
    pipeline = await service.run_now(session, repo, cron, public_url(request))
    audit.record(session, principal.actor, "ci.cron.run", subject=f"ci-cron:{cron}")
    workflows, steps = await pipelines.details(session, [pipeline])
    return pipeline_out(pipeline, workflows, steps)


@router.patch("/{cron}", response_model=CronOut)
async def update_cron(
    repo_id: ResourceId, cron: ResourceId, body: CronPatch, principal: CronsUser, session: DbSession
) -> CronOut:
    repo = await repos.get(session, principal.user, repo_id, "push")
    row = await service.update(session, repo, cron, body)
    audit.record(session, principal.actor, "ci.cron.update", subject=f"ci-cron:{row.id}")
    return service.read(row)


@router.delete("/{cron}", status_code=204)
async def delete_cron(
    repo_id: ResourceId, cron: ResourceId, principal: CronsUser, session: DbSession
) -> None:
    repo = await repos.get(session, principal.user, repo_id, "push")
    await service.delete(session, repo, cron)
    audit.record(session, principal.actor, "ci.cron.delete", subject=f"ci-cron:{cron}")
