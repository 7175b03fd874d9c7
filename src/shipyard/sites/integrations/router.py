"""Forge's integration endpoints: `/api/v1/servers/{server_id}/sites/{site_id}/integrations/...`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.cron.router import job_read
from shipyard.servers.daemons.models import Daemon
from shipyard.servers.daemons.router import daemon_read
from shipyard.sites.integrations import service
from shipyard.sites.integrations.schemas import (
    DAEMON_KINDS,
    DAEMON_STATUS,
    DaemonCreate,
    DaemonEnabled,
    MaintenanceChange,
    MaintenanceCreate,
    MaintenanceStatus,
    ReverbEnabled,
    SchedulerEnabled,
    SchedulerStatus,
)

router = APIRouter(prefix="/api/v1/servers/{server_id}/sites/{site_id}/integrations", tags=["integrations"])

DaemonsPrincipal = Annotated[Principal, Depends(Authenticator("daemons"))]
JobsPrincipal = Annotated[Principal, Depends(Authenticator("jobs"))]
SitesPrincipal = Annotated[Principal, Depends(Authenticator("sites"))]


def _enabled(kind: str, daemon: Daemon, settings: dict[str, Any]) -> BaseModel:
    if kind == "reverb":
        return ReverbEnabled(
            daemon=daemon_read(daemon),
            reverb_host=settings["host"],
            reverb_port=settings["port"],
            reverb_connections=settings["connections"],
        )
    return DaemonEnabled(daemon=daemon_read(daemon))


def _daemon_routes(kind: str) -> None:
    """GET, POST and DELETE of one daemon integration (horizon, octane, reverb, pulse, inertia)."""
    status_model = DAEMON_STATUS[kind]
    title = kind.capitalize()

    async def status(
        server_id: ResourceId, site_id: ResourceId, principal: DaemonsPrincipal, session: DbSession
    ) -> BaseModel:
        daemon, settings, installed = await service.daemon_status(
            session, principal.user, server_id, site_id, kind
        )
        fields: dict[str, Any] = {
            "enabled": daemon is not None,
            "daemon": daemon_read(daemon) if daemon else None,
        }
        if kind == "reverb":
            fields.update(
                reverb_host=settings.get("host"),
                reverb_port=settings.get("port"),
                reverb_connections=settings.get("connections"),
            )
        return status_model(**fields, **{f"{kind}_installed": installed})

    async def enable(
        server_id: ResourceId,
        site_id: ResourceId,
        principal: DaemonsPrincipal,
        session: DbSession,
        body: DaemonCreate | None = None,
    ) -> BaseModel:
        daemon, settings = await service.enable_daemon(
            session, principal.user, server_id, site_id, kind, body or DaemonCreate(), actor=principal.actor
        )
        audit.record(session, principal.actor, f"integration.{kind}.enable", subject=f"site:{site_id}")
        return _enabled(kind, daemon, settings)

    async def disable(
        server_id: ResourceId, site_id: ResourceId, principal: DaemonsPrincipal, session: DbSession
    ) -> None:
        await service.disable_daemon(session, principal.user, server_id, site_id, kind, actor=principal.actor)
        audit.record(session, principal.actor, f"integration.{kind}.disable", subject=f"site:{site_id}")

    router.add_api_route(
        f"/{kind}",
        status,
        methods=["GET"],
        response_model=status_model,
        summary=f"Check {title} daemon status",
        name=f"{kind}_status",
    )
    router.add_api_route(
        f"/{kind}",
        enable,
        methods=["POST"],
        response_model=ReverbEnabled if kind == "reverb" else DaemonEnabled,
        summary=f"Enable {title} daemon",
        name=f"{kind}_enable",
    )
    router.add_api_route(
        f"/{kind}",
        disable,
        methods=["DELETE"],
        status_code=204,
        summary=f"Disable {title} daemon",
        name=f"{kind}_disable",
    )


for _kind in DAEMON_KINDS:
    _daemon_routes(_kind)


@router.get("/laravel-scheduler", response_model=SchedulerStatus)
async def scheduler_status(
    server_id: ResourceId, site_id: ResourceId, principal: JobsPrincipal, session: DbSession
) -> SchedulerStatus:
    job, laravel, server = await service.scheduler_status(session, principal.user, server_id, site_id)
    return SchedulerStatus(
        enabled=job is not None,
        job=job_read(job, server.timezone) if job else None,
        laravel_installed=laravel,
    )


@router.post("/laravel-scheduler", response_model=SchedulerEnabled)
async def enable_scheduler(
    server_id: ResourceId, site_id: ResourceId, principal: JobsPrincipal, session: DbSession
) -> SchedulerEnabled:
    """`* * * * * php<version> <site root>/artisan schedule:run` in the site user's crontab."""
    job, server = await service.enable_scheduler(
        session, principal.user, server_id, site_id, actor=principal.actor
    )
    audit.record(session, principal.actor, "integration.scheduler.enable", subject=f"site:{site_id}")
    return SchedulerEnabled(job=job_read(job, server.timezone))


@router.delete("/laravel-scheduler", status_code=204)
async def disable_scheduler(
    server_id: ResourceId, site_id: ResourceId, principal: JobsPrincipal, session: DbSession
) -> None:
    await service.disable_scheduler(session, principal.user, server_id, site_id, actor=principal.actor)
    audit.record(session, principal.actor, "integration.scheduler.disable", subject=f"site:{site_id}")


@router.get("/laravel-maintenance", response_model=MaintenanceStatus)
async def maintenance_status(
    server_id: ResourceId, site_id: ResourceId, principal: SitesPrincipal, session: DbSession
) -> MaintenanceStatus:
    """`enabled` is whether the app is down now (its `storage/framework/down` file)."""
    enabled, status, laravel = await service.maintenance_status(session, principal.user, server_id, site_id)
    return MaintenanceStatus(enabled=enabled, status=status, laravel_installed=laravel)


@router.post("/laravel-maintenance", response_model=MaintenanceChange)
async def enable_maintenance(
    server_id: ResourceId,
    site_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
    body: MaintenanceCreate | None = None,
) -> MaintenanceChange:
    """Queues `artisan down --status=... [--secret=...]` as the site user."""
    status = await service.change_maintenance(
        session, principal.user, server_id, site_id, body or MaintenanceCreate(), actor=principal.actor
    )
    audit.record(session, principal.actor, "integration.maintenance.enable", subject=f"site:{site_id}")
    return MaintenanceChange(enabled=False, status=status)


@router.delete("/laravel-maintenance", response_model=MaintenanceChange)
async def disable_maintenance(
    server_id: ResourceId, site_id: ResourceId, principal: SitesPrincipal, session: DbSession
) -> MaintenanceChange:
    """Queues `artisan up` as the site user."""
    status = await service.change_maintenance(
        session, principal.user, server_id, site_id, None, actor=principal.actor
    )
    audit.record(session, principal.actor, "integration.maintenance.disable", subject=f"site:{site_id}")
    return MaintenanceChange(enabled=True, status=status)
