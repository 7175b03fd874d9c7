"""Forge's PHP endpoints: `/api/v1/servers/{server_id}/php...`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers.php import service
from shipyard.servers.php.models import PhpVersion
from shipyard.servers.php.schemas import PhpVersionBody, PhpVersionRead

router = APIRouter(prefix="/api/v1/servers/{server_id}/php", tags=["php"])

ServersPrincipal = Annotated[Principal, Depends(Authenticator("servers"))]


def php_read(php: PhpVersion) -> PhpVersionRead:
    digits = php.version.removeprefix("php")
    dotted = f"{digits[0]}.{digits[1:]}"
    return PhpVersionRead(
        id=php.id,
        version=php.version,
        status=php.status,
        displayable_version=f"PHP {dotted}",
        binary_name=f"php{dotted}",
        used_as_default=php.used_as_default,
        used_on_cli=php.used_on_cli,
    )


@router.get("", response_model=list[PhpVersionRead])
async def list_versions(
    server_id: ResourceId, principal: ServersPrincipal, session: DbSession
) -> list[PhpVersionRead]:
    """Forge answers with a bare list."""
    return [php_read(php) for php in await service.versions(session, principal.user, server_id)]


@router.post("", response_model=PhpVersionRead)
async def install_version(
    server_id: ResourceId, body: PhpVersionBody, principal: ServersPrincipal, session: DbSession
) -> PhpVersionRead:
    php = await service.install(session, principal.user, server_id, body.version, actor=principal.actor)
    audit.record(
        session,
        principal.actor,
        "php.install",
        subject=f"server:{server_id}",
        details={"version": body.version},
    )
    return php_read(php)


@router.post("/update", status_code=202)
async def update_version(
    server_id: ResourceId, body: PhpVersionBody, principal: ServersPrincipal, session: DbSession
) -> None:
    await service.update(session, principal.user, server_id, body.version, actor=principal.actor)
    audit.record(
        session,
        principal.actor,
        "php.update",
        subject=f"server:{server_id}",
        details={"version": body.version},
    )


@router.post("/opcache", status_code=202)
async def enable_opcache(server_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> None:
    await service.set_opcache(session, principal.user, server_id, True, actor=principal.actor)
    audit.record(session, principal.actor, "php.opcache.enable", subject=f"server:{server_id}")


@router.delete("/opcache", status_code=202)
async def disable_opcache(server_id: ResourceId, principal: ServersPrincipal, session: DbSession) -> None:
    await service.set_opcache(session, principal.user, server_id, False, actor=principal.actor)
    audit.record(session, principal.actor, "php.opcache.disable", subject=f"server:{server_id}")
