"""Forge's worker endpoints: `/api/v1/servers/{server_id}/sites/{site_id}/workers`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.models import Server
from shipyard.sites.models import Site
from shipyard.sites.workers import service
from shipyard.sites.workers.models import Worker
from shipyard.sites.workers.schemas import WorkerCreate, WorkerEnvelope, WorkerList, WorkerOutput, WorkerRead

router = APIRouter(prefix="/api/v1/servers/{server_id}/sites/{site_id}/workers", tags=["workers"])

WorkersPrincipal = Annotated[Principal, Depends(Authenticator("workers"))]


def worker_read(worker: Worker, site: Site, server: Server) -> WorkerRead:
    return WorkerRead(
        id=worker.id,
        connection=worker.connection,
        command=service.spec(worker, site, server).command,
        queue=worker.queue,
        timeout=worker.timeout,
        sleep=worker.sleep,
        tries=worker.tries,
        processes=worker.processes,
        stopwaitsecs=worker.stopwaitsecs,
        environment=worker.environment,
        php_version=worker.php_version,
        daemon=int(worker.daemon),
        force=int(worker.force),
        status=worker.status,
        created_at=worker.created_at,
    )


@router.post("", response_model=WorkerEnvelope)
async def create_worker(
    server_id: ResourceId,
    site_id: ResourceId,
    body: WorkerCreate,
    principal: WorkersPrincipal,
    session: DbSession,
) -> WorkerEnvelope:
    """A supervisor program running `artisan queue:work` (`queue:listen` unless `daemon`) as the site user."""
    worker, site, server = await service.create(
        session, principal.user, server_id, site_id, body, actor=principal.actor
    )
    audit.record(session, principal.actor, "worker.create", subject=f"worker:{worker.id}")
    return WorkerEnvelope(worker=worker_read(worker, site, server))


@router.get("", response_model=WorkerList)
async def list_workers(
    server_id: ResourceId,
    site_id: ResourceId,
    principal: WorkersPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> WorkerList:
    rows, total, site, server = await service.page(
        session, principal.user, server_id, site_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return WorkerList(workers=[worker_read(row, site, server) for row in rows])


@router.get("/{worker_id}", response_model=WorkerEnvelope)
async def get_worker(
    server_id: ResourceId,
    site_id: ResourceId,
    worker_id: ResourceId,
    principal: WorkersPrincipal,
    session: DbSession,
) -> WorkerEnvelope:
    return WorkerEnvelope(
        worker=worker_read(*await service.get(session, principal.user, server_id, site_id, worker_id))
    )


@router.post("/{worker_id}/restart", response_model=WorkerEnvelope)
async def restart_worker(
    server_id: ResourceId,
    site_id: ResourceId,
    worker_id: ResourceId,
    principal: WorkersPrincipal,
    session: DbSession,
) -> WorkerEnvelope:
    found = await service.restart(
        session, principal.user, server_id, site_id, worker_id, actor=principal.actor
    )
    audit.record(session, principal.actor, "worker.restart", subject=f"worker:{worker_id}")
    return WorkerEnvelope(worker=worker_read(*found))


@router.get("/{worker_id}/output", response_model=WorkerOutput)
async def worker_output(
    server_id: ResourceId,
    site_id: ResourceId,
    worker_id: ResourceId,
    principal: WorkersPrincipal,
    session: DbSession,
) -> WorkerOutput:
    """The end of the worker's log (the last 500 lines, at most 64 KiB), read from the server."""
    return WorkerOutput(output=await service.output(session, principal.user, server_id, site_id, worker_id))


@router.delete("/{worker_id}", status_code=204)
async def delete_worker(
    server_id: ResourceId,
    site_id: ResourceId,
    worker_id: ResourceId,
    principal: WorkersPrincipal,
    session: DbSession,
) -> None:
    await service.delete(session, principal.user, server_id, site_id, worker_id, actor=principal.actor)
    audit.record(session, principal.actor, "worker.delete", subject=f"worker:{worker_id}")
