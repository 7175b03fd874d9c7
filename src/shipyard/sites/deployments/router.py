"""Forge's deployment endpoints under `/api/v1/servers/{server_id}/sites/{site_id}`, and the
site's deployment URL (`/api/v1/sites/{site_id}/deploy/http?token=...`, no other auth)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import PlainTextResponse
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.auth.models import User
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.http.urls import public_url
from shipyard.sites.deployments import service
from shipyard.sites.deployments.models import SiteDeployment
from shipyard.sites.deployments.schemas import (
    DeployHookAnswer,
    DeploymentEnvelope,
    DeploymentList,
    DeploymentOutput,
    DeploymentRead,
    DeploymentScript,
    FailureEmails,
)
from shipyard.sites.router import add_text_file, site_read
from shipyard.sites.schemas import SiteEnvelope

router = APIRouter(prefix="/api/v1/servers/{server_id}/sites/{site_id}", tags=["sites"])
hook_router = APIRouter(prefix="/api/v1/sites", tags=["sites"])

SitesPrincipal = Annotated[Principal, Depends(Authenticator("sites"))]
MAX_HOOK_BODY = 1_048_576


def deployment_read(deployment: SiteDeployment) -> DeploymentRead:
    return DeploymentRead(
        id=deployment.id,
        server_id=deployment.server_id,
        site_id=deployment.site_id,
        type=deployment.type,
        commit_hash=deployment.commit_hash,
        commit_author=deployment.commit_author,
        commit_message=deployment.commit_message,
        started_at=deployment.started_at,
        ended_at=deployment.ended_at,
        status=deployment.status,
        displayable_type=service.TRIGGERS.get(deployment.type, "Deployment"),
    )


@router.post("/deployment", response_model=SiteEnvelope)
async def enable_quick_deploy(
    server_id: ResourceId,
    site_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
    request: Request,
) -> SiteEnvelope:
    """The site's `deployment_url` deploys it on a POST or a provider's push to its branch."""
    site = await service.set_quick_deploy(session, principal.user, server_id, site_id, enabled=True)
    audit.record(session, principal.actor, "site.quick_deploy.enable", subject=f"site:{site_id}")
    return SiteEnvelope(site=site_read(site, public_url(request)))


@router.delete("/deployment", response_model=SiteEnvelope)
async def disable_quick_deploy(
    server_id: ResourceId,
    site_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
    request: Request,
) -> SiteEnvelope:
    """The site's `deployment_url` refuses to deploy (403)."""
    site = await service.set_quick_deploy(session, principal.user, server_id, site_id, enabled=False)
    audit.record(session, principal.actor, "site.quick_deploy.disable", subject=f"site:{site_id}")
    return SiteEnvelope(site=site_read(site, public_url(request)))


async def _script_body(body: DeploymentScript) -> DeploymentScript:
    return body


async def _update_script(
    session: AsyncSession, user: User, server_id: int, site_id: int, body: DeploymentScript
) -> str:
    return await service.update_script(session, user, server_id, site_id, body.content, body.auto_source)


add_text_file(
    router, "/deployment/script", "deployment_script", action="site.deployment_script.update",
    read=service.script, write=_update_script, body=_script_body,
    read_about="The deployment script, as text (Forge's default until it is changed).",
    write_about="Replaces the deployment script; it runs as the site user in the site's directory, with\n"
    "Forge's FORGE_* variables (and the site's .env with `auto_source`).",
)  # fmt: skip


@router.post("/deployment/deploy", response_model=SiteEnvelope)
async def deploy_now(
    server_id: ResourceId,
    site_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
    request: Request,
) -> SiteEnvelope:
    """Queues a deployment: the site's `deployment_status` is queued or deploying until no more
    deployments wait; one deployment of a site runs at a time."""
    site = await service.deploy_now(session, principal.user, server_id, site_id, actor=principal.actor)
    audit.record(session, principal.actor, "site.deploy", subject=f"site:{site_id}")
    return SiteEnvelope(site=site_read(site, public_url(request)))


@router.post("/deployment/reset", response_model=SiteEnvelope)
async def reset_deployment_status(
    server_id: ResourceId,
    site_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
    request: Request,
) -> SiteEnvelope:
    site = await service.reset_status(session, principal.user, server_id, site_id)
    audit.record(session, principal.actor, "site.deployment.reset", subject=f"site:{site_id}")
    return SiteEnvelope(site=site_read(site, public_url(request)))


@router.get("/deployment/log", response_class=PlainTextResponse)
async def get_deployment_log(
    server_id: ResourceId, site_id: ResourceId, principal: SitesPrincipal, session: DbSession
) -> str:
    """The output of the latest deployment, as text (so far, while it runs)."""
    return await service.log(session, principal.user, server_id, site_id)


@router.get("/deployment-history", response_model=DeploymentList)
async def list_deployments(
    server_id: ResourceId,
    site_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> DeploymentList:
    """The site's deployments, newest first."""
    rows, total = await service.page(
        session, principal.user, server_id, site_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return DeploymentList(deployments=[deployment_read(row) for row in rows])


@router.get("/deployment-history/{deployment_id}", response_model=DeploymentEnvelope)
async def get_deployment(
    server_id: ResourceId,
    site_id: ResourceId,
    deployment_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
) -> DeploymentEnvelope:
    deployment = await service.get(session, principal.user, server_id, site_id, deployment_id)
    return DeploymentEnvelope(deployment=deployment_read(deployment))


@router.get("/deployment-history/{deployment_id}/output", response_model=DeploymentOutput)
async def get_deployment_output(
    server_id: ResourceId,
    site_id: ResourceId,
    deployment_id: ResourceId,
    principal: SitesPrincipal,
    session: DbSession,
) -> DeploymentOutput:
    deployment = await service.get(session, principal.user, server_id, site_id, deployment_id)
    return DeploymentOutput(output=await service.output_of(session, principal.user, deployment))


@router.post("/deployment-failure-emails", response_model=FailureEmails)
async def set_deployment_failure_emails(
    server_id: ResourceId,
    site_id: ResourceId,
    body: FailureEmails,
    principal: SitesPrincipal,
    session: DbSession,
) -> FailureEmails:
    """Replaces the addresses a failed deployment of the site e-mails."""
    emails = await service.set_failure_emails(session, principal.user, server_id, site_id, body.emails)
    audit.record(session, principal.actor, "site.deployment_failure_emails", subject=f"site:{site_id}")
    return FailureEmails(emails=emails)


@hook_router.post("/{site_id}/deploy/http", response_model=DeployHookAnswer)
async def deploy_from_url(
    site_id: ResourceId,
    session: DbSession,
    request: Request,
    token: Annotated[str, Query(max_length=512)] = "",
) -> DeployHookAnswer:
    """The site's deployment URL (its token is the only credential). With quick deploy on, a POST
    deploys the site, and so does a GitHub, GitLab, Bitbucket or Forgejo/Gitea push notification
    for the site's branch (other events and branches are answered and ignored); off, 403."""
    raw = await request.body()
    body: Any = None
    if raw and len(raw) <= MAX_HOOK_BODY:
        try:
            body = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = None
    message, deployment = await service.deploy_from_url(session, site_id, token, request.headers, body)
    return DeployHookAnswer(message=message, deployment_id=deployment.id if deployment else None)
