"""Forge's scheduled job endpoints: `/api/v1/servers/{server_id}/jobs`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.cron import schedule, service
from shipyard.servers.cron.models import ScheduledJob
from shipyard.servers.cron.schemas import JobCreate, JobEnvelope, JobList, JobOutput, JobRead

router = APIRouter(prefix="/api/v1/servers/{server_id}/jobs", tags=["jobs"])

JobsPrincipal = Annotated[Principal, Depends(Authenticator("jobs"))]


def job_read(job: ScheduledJob, timezone: str) -> JobRead:
    return JobRead(
        id=job.id,
        command=job.command,
        user=job.user,
        frequency=job.frequency,
        cron=job.cron,
        status=job.status,
        created_at=job.created_at,
        next_run_time=schedule.next_run_time(job.cron, timezone),
    )


@router.post("", response_model=JobEnvelope)
async def create_job(
    server_id: ResourceId, body: JobCreate, principal: JobsPrincipal, session: DbSession
) -> JobEnvelope:
    job, server = await service.create(session, principal.user, server_id, body, actor=principal.actor)
    audit.record(session, principal.actor, "job.create", subject=f"job:{job.id}")
    return JobEnvelope(job=job_read(job, server.timezone))


@router.get("", response_model=JobList)
async def list_jobs(
    server_id: ResourceId,
    principal: JobsPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> JobList:
    rows, total, server = await service.page(
        session, principal.user, server_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return JobList(jobs=[job_read(row, server.timezone) for row in rows])


@router.get("/{job_id}", response_model=JobEnvelope)
async def get_job(
    server_id: ResourceId, job_id: ResourceId, principal: JobsPrincipal, session: DbSession
) -> JobEnvelope:
    job, server = await service.get(session, principal.user, server_id, job_id)
    return JobEnvelope(job=job_read(job, server.timezone))


@router.get("/{job_id}/output", response_model=JobOutput)
async def job_output(
    server_id: ResourceId, job_id: ResourceId, principal: JobsPrincipal, session: DbSession
) -> JobOutput:
    """The tail of the job's output, read from the server (the last 1000 lines, at most 64 KiB)."""
    return JobOutput(output=await service.output(session, principal.user, server_id, job_id))


@router.delete("/{job_id}", status_code=204)
async def delete_job(
    server_id: ResourceId, job_id: ResourceId, principal: JobsPrincipal, session: DbSession
) -> None:
    await service.delete(session, principal.user, server_id, job_id, actor=principal.actor)
    audit.record(session, principal.actor, "job.delete", subject=f"job:{job_id}")
