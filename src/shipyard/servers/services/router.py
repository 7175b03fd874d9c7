"""Forge's service endpoints: start/stop/restart a service, MySQL, nginx, PostgreSQL and PHP-FPM.

Each action runs on the host within the request: 204 when it did what was asked, 400 (with the
reason) when the host could not, 422 for a name that is not a service.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.hostops.services import Action
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.services import service
from shipyard.servers.services.schemas import NginxTest, PhpReboot, ServiceAction

router = APIRouter(prefix="/api/v1/servers/{server_id}", tags=["services"])

ServersPrincipal = Annotated[Principal, Depends(Authenticator("servers"))]


async def _service(
    server_id: int, body: ServiceAction, principal: Principal, session: DbSession, action: Action
) -> None:
    await service.control(session, principal.user, server_id, body.service, action)
    audit.record(
        session,
        principal.actor,
        f"service.{action}",
        subject=f"server:{server_id}",
        details={"service": body.service},
    )


@router.post("/services/start", status_code=204)
async def start_service(
    server_id: ResourceId, body: ServiceAction, principal: ServersPrincipal, session: DbSession
) -> None:
    await _service(server_id, body, principal, session, "start")


@router.post("/services/stop", status_code=204)
async def stop_service(
    server_id: ResourceId, body: ServiceAction, principal: ServersPrincipal, session: DbSession
) -> None:
    await _service(server_id, body, principal, session, "stop")


@router.post("/services/restart", status_code=204)
async def restart_service(
    server_id: ResourceId, body: ServiceAction, principal: ServersPrincipal, session: DbSession
) -> None:
    await _service(server_id, body, principal, session, "restart")


async def _database(
    server_id: int, principal: Principal, session: DbSession, engine: str, action: Action
) -> None:
    await service.database(session, principal.user, server_id, engine, action)
    audit.record(session, principal.actor, f"service.{engine}.{action}", subject=f"server:{server_id}")


@router.post("/mysql/reboot", status_code=204)
async def reboot_mysql(server_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> None:
    """Restarts the server's MySQL-compatible database (MariaDB on Debian)."""
    await _database(server_id, principal, session, "mysql", "restart")


@router.post("/mysql/stop", status_code=204)
async def stop_mysql(server_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> None:
    await _database(server_id, principal, session, "mysql", "stop")


@router.post("/postgres/reboot", status_code=204)
async def reboot_postgres(server_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> None:
    await _database(server_id, principal, session, "postgres", "restart")


@router.post("/postgres/stop", status_code=204)
async def stop_postgres(server_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> None:
    await _database(server_id, principal, session, "postgres", "stop")


@router.post("/nginx/reboot", status_code=204)
async def reboot_nginx(server_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> None:
    """Restarts nginx, only if `nginx -t` passes (otherwise 400 with its output, nginx untouched)."""
    await service.nginx(session, principal.user, server_id, "restart")
    audit.record(session, principal.actor, "service.nginx.restart", subject=f"server:{server_id}")


@router.post("/nginx/stop", status_code=204)
async def stop_nginx(server_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> None:
    await service.nginx(session, principal.user, server_id, "stop")
    audit.record(session, principal.actor, "service.nginx.stop", subject=f"server:{server_id}")


@router.get("/nginx/test", response_model=NginxTest)
async def test_nginx(server_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> NginxTest:
    """The output of `nginx -t` on the server, whether the configuration passes or not."""
    return NginxTest(result=await service.nginx_test(session, principal.user, server_id))


@router.post("/php/reboot", status_code=204)
async def reboot_php(
    server_id: ResourceId, principal: ServersPrincipal, session: DbSession, body: PhpReboot | None = None
) -> None:
    """Restarts the PHP-FPM service of `version` (e.g. php82; the server's PHP version by default)."""
    version = body.version if body else None
    await service.php(session, principal.user, server_id, version)
    audit.record(
        session,
        principal.actor,
        "service.php.restart",
        subject=f"server:{server_id}",
        details={"version": version},
    )
