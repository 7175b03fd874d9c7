"""Forge's nginx template endpoints: `/api/v1/servers/{server_id}/nginx/templates`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.hostops.nginx import DEFAULT_NAME, default_template
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.servers import service as servers
from shipyard.servers.nginx_templates import service
from shipyard.servers.nginx_templates.models import NginxTemplate
from shipyard.servers.nginx_templates.schemas import (
    DefaultTemplateEnvelope,
    DefaultTemplateRead,
    TemplateCreate,
    TemplateEnvelope,
    TemplateList,
    TemplateRead,
    TemplateUpdate,
)

router = APIRouter(prefix="/api/v1/servers/{server_id}/nginx/templates", tags=["nginx templates"])

# Templates are part of a server's configuration: the `servers` scopes govern them.
TemplatesPrincipal = Annotated[Principal, Depends(Authenticator("servers"))]


def template_read(template: NginxTemplate) -> TemplateRead:
    return TemplateRead(
        id=template.id, server_id=template.server_id, name=template.name, content=template.content
    )


@router.post("", response_model=TemplateEnvelope)
async def create_template(
    server_id: ResourceId, body: TemplateCreate, principal: TemplatesPrincipal, session: DbSession
) -> TemplateEnvelope:
    template = await service.create(session, principal.user, server_id, body)
    audit.record(session, principal.actor, "nginx_template.create", subject=f"nginx_template:{template.id}")
    return TemplateEnvelope(template=template_read(template))


@router.get("", response_model=TemplateList)
async def list_templates(
    server_id: ResourceId,
    principal: TemplatesPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> TemplateList:
    rows, total = await service.page(
        session, principal.user, server_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return TemplateList(templates=[template_read(row) for row in rows])


@router.get("/default", response_model=DefaultTemplateEnvelope)
async def get_default_template(
    server_id: ResourceId, principal: TemplatesPrincipal, session: DbSession
) -> DefaultTemplateEnvelope:
    server = await servers.get(session, principal.user, server_id)
    return DefaultTemplateEnvelope(
        template=DefaultTemplateRead(server_id=server.id, name=DEFAULT_NAME, content=default_template())
    )


@router.get("/{template_id}", response_model=TemplateEnvelope)
async def get_template(
    server_id: ResourceId, template_id: ResourceId, principal: TemplatesPrincipal, session: DbSession
) -> TemplateEnvelope:
    return TemplateEnvelope(
        template=template_read(await service.get(session, principal.user, server_id, template_id))
    )


@router.put("/{template_id}", response_model=TemplateEnvelope)
async def update_template(
    server_id: ResourceId,
    template_id: ResourceId,
    body: TemplateUpdate,
    principal: TemplatesPrincipal,
    session: DbSession,
) -> TemplateEnvelope:
    template = await service.update(session, principal.user, server_id, template_id, body)
    audit.record(session, principal.actor, "nginx_template.update", subject=f"nginx_template:{template_id}")
    return TemplateEnvelope(template=template_read(template))


@router.delete("/{template_id}", status_code=204)
async def delete_template(
    server_id: ResourceId, template_id: ResourceId, principal: TemplatesPrincipal, session: DbSession
) -> None:
    await service.delete(session, principal.user, server_id, template_id)
    audit.record(session, principal.actor, "nginx_template.delete", subject=f"nginx_template:{template_id}")
