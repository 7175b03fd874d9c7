"""Forge's monitor endpoints: `/api/v1/servers/{server_id}/monitors`."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.servers.monitors import service
from shipyard.servers.monitors.models import Monitor
from shipyard.servers.monitors.schemas import MonitorCreate, MonitorEnvelope, MonitorList, MonitorRead
from shipyard.servers.routes import add_routes

router = APIRouter(prefix="/api/v1/servers/{server_id}/monitors", tags=["monitors"])


async def _monitor_body(body: MonitorCreate) -> MonitorCreate:
    return body


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


# Nothing runs on the host for a monitor: creating or removing one needs no actor.
async def _create(
    session: AsyncSession, user: User, server_id: int, body: MonitorCreate, *, actor: Actor
) -> Monitor:
    return await service.create(session, user, server_id, body)


async def _delete(
    session: AsyncSession, user: User, server_id: int, monitor_id: int, *, actor: Actor
) -> None:
    await service.delete(session, user, server_id, monitor_id)


add_routes(
    router, key="monitor", plural="monitors", scope="monitors", audit_as="monitor", read=monitor_read,
    envelope_model=MonitorEnvelope, list_model=MonitorList, page=service.page, get=service.get,
    body=_monitor_body, create=_create, delete=_delete,
)  # fmt: skip
