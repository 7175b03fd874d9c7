"""Administrator views of the job engine and the audit trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.jobs import service as jobs
from shipyard.system.schemas import AuditEventRead, JobDetail, JobLogRead, JobRead

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])

AdminPrincipal = Annotated[Principal, Depends(Authenticator("admin", admin=True))]


@router.get("/jobs", response_model=list[JobRead])
async def list_jobs(
    principal: AdminPrincipal, session: DbSession, paging: Paging, request: Request, response: Response
) -> list[JobRead]:
    rows, total = await jobs.page(session, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return [JobRead.model_validate(row) for row in rows]


@router.get("/jobs/{job_id}", response_model=JobDetail)
async def get_job(job_id: ResourceId, principal: AdminPrincipal, session: DbSession) -> JobDetail:
    job = await jobs.get(session, job_id)
    logs = [JobLogRead.model_validate(line) for line in await jobs.logs(session, job_id)]
    return JobDetail.model_validate({**JobRead.model_validate(job).model_dump(), "logs": logs})


@router.post("/jobs/{job_id}/cancel", response_model=JobRead)
async def cancel_job(job_id: ResourceId, principal: AdminPrincipal, session: DbSession) -> JobRead:
    job = await jobs.cancel(session, job_id)
    audit.record(session, principal.actor, "job.cancel", subject=f"job:{job_id}")
    return JobRead.model_validate(job)


@router.get("/audit", response_model=list[AuditEventRead])
async def list_audit(
    principal: AdminPrincipal, session: DbSession, paging: Paging, request: Request, response: Response
) -> list[AuditEventRead]:
    rows, total = await audit.list_events(session, user_id=None, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return [AuditEventRead.model_validate(row) for row in rows]
