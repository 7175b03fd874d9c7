"""Forge's monitor endpoints: `/api/v1/servers/{server_id}/monitors`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.monitors import service
from shipyard.servers.monitors.models import Monitor
from shipyard.servers.monitors.schemas import MonitorCreate, MonitorEnvelope, MonitorList, MonitorRead

router = APIRouter(prefix="/api/v1/servers/{server_id}/monitors", tags=["monitors"])

MonitorsPrincipal = Annotated[Principal, Depends(Authenticator("monitors"))]


def monitor_read(monitor: Monitor) -> MonitorRead:
    threshold = monitor.threshold
    return MonitorRead(
        id=monitor.id,
        status=monitor.status,
        type=monitor.type,
        operator=monitor.operator,
        threshold=int(threshold) if threshold.is_integer() else threshold,
        minutes=monitor.minutes,
        notify=monitor.notify,
        state=monitor.state,
        state_changed_at=monitor.state_changed_at,
    )


@router.post("", response_model=MonitorEnvelope)
async def create_monitor(
    server_id: ResourceId, body: MonitorCreate, principal: MonitorsPrincipal, session: DbSession
) -> MonitorEnvelope:
    monitor = await service.create(session, principal.user, server_id, body)
    audit.record(session, principal.actor, "monitor.create", subject=f"monitor:{monitor.id}")
    return MonitorEnvelope(monitor=monitor_read(monitor))


@router.get("", response_model=MonitorList)
async def list_monitors(
    server_id: ResourceId,
    principal: MonitorsPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> MonitorList:
    rows, total = await service.page(
        session, principal.user, server_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return MonitorList(monitors=[monitor_read(row) for row in rows])


@router.get("/{monitor_id}", response_model=MonitorEnvelope)
async def get_monitor(
    server_id: ResourceId, monitor_id: ResourceId, principal: MonitorsPrincipal, session: DbSession
) -> MonitorEnvelope:
    return MonitorEnvelope(
        monitor=monitor_read(await service.get(session, principal.user, server_id, monitor_id))
    )


@router.delete("/{monitor_id}", status_code=204)
async def delete_monitor(
    server_id: ResourceId, monitor_id: ResourceId, principal: MonitorsPrincipal, session: DbSession
) -> None:
    await service.delete(session, principal.user, server_id, monitor_id)
    audit.record(session, principal.actor, "monitor.delete", subject=f"monitor:{monitor_id}")
