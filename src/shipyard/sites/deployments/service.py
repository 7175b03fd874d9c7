"""Deployment rules: one deployment at a time per site (a request during one is queued behind
it), quick deploy through the site's deployment URL, the script and its `auto_source`, the
history with each deployment's output, and whom a failed deployment e-mails.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.db import utcnow
from shipyard.core.errors import Forbidden, NotFound, ValidationFailed
from shipyard.core.validation import EMAIL
from shipyard.hostops.deployments import default_script, script_output
from shipyard.http.pushes import decode_payload, parse_push
from shipyard.jobs import service as jobs
from shipyard.servers import service as servers
from shipyard.sites import repository as sites_repository
from shipyard.sites import service as sites
from shipyard.sites.deployments import repository
from shipyard.sites.deployments.models import SiteDeployment
from shipyard.sites.git.service import REMOVING, site_key
from shipyard.sites.models import Site

QUEUED, DEPLOYING, FINISHED, FAILED = "queued", "deploying", "finished", "failed"
# Forge's deployment types, by what started the deployment.
QUICK, TRIGGER_URL, API = 2, 3, 4
TRIGGERS = {QUICK: "Quick Deploy", TRIGGER_URL: "Deployment Trigger URL", API: "Deployment API"}


async def _deployable(session: AsyncSession, user: User, server_id: int, site_id: int) -> Site:
    site, _ = await sites.on_host(session, user, server_id, site_id, writing=True)
    _require_repository(site)
    return site


def _require_repository(site: Site) -> None:
    if site.repository is None or site.repository_status in (None, REMOVING):
        raise servers.ActionFailed("The site has no repository to deploy: install one first.")


async def enqueue(session: AsyncSession, site: Site, trigger: int, *, actor: Actor | None) -> SiteDeployment:
    """Queue a deployment of the site, behind its other deployments and git changes."""
    deployment = SiteDeployment(server_id=site.server_id, site_id=site.id, type=trigger, status=QUEUED)
    session.add(deployment)
    await session.flush()
    job = jobs.enqueue(
        session, "sites.deploy", {"deployment_id": deployment.id}, resource_key=site_key(site.id), actor=actor
    )
    await session.flush()
    deployment.job_id = job.id
    if site.deployment_status is None:
        site.deployment_status = QUEUED
    return deployment


async def deploy_now(
    session: AsyncSession, user: User, server_id: int, site_id: int, *, actor: Actor
) -> Site:
    """Queue a deployment (Forge's deploy now)."""
    site = await _deployable(session, user, server_id, site_id)
    await enqueue(session, site, API, actor=actor)
    return site


async def reset_status(session: AsyncSession, user: User, server_id: int, site_id: int) -> Site:
    """Clear the site's deployment status; deployments whose job ended without finishing them
    (a worker lost mid-deployment) are failed."""
    site = await sites.get(session, user, server_id, site_id)
    site.deployment_status = None
    for deployment in await repository.unfinished(session, site.id):
        if deployment.job_id is None or await _job_ended(session, deployment.job_id):
            deployment.status = FAILED
            deployment.ended_at = utcnow()
    return site


async def _job_ended(session: AsyncSession, job_id: int) -> bool:
    try:
        return (await jobs.get(session, job_id)).finished
    except NotFound:
        return True


async def set_quick_deploy(
    session: AsyncSession, user: User, server_id: int, site_id: int, *, enabled: bool
) -> Site:
    """Let the site's deployment URL deploy it (a push notification or a plain POST), or not."""
    site = await sites.get(session, user, server_id, site_id)
    if enabled:
        _require_repository(site)
    site.quick_deploy = enabled
    return site


async def script(session: AsyncSession, user: User, server_id: int, site_id: int) -> str:
    """The site's deployment script (Forge's default until it is changed)."""
    site = await sites.get(session, user, server_id, site_id)
    return site.deployment_script or default_script(site.project_type)


async def update_script(
    session: AsyncSession, user: User, server_id: int, site_id: int, content: str, auto_source: bool | None
) -> str:
    site = await sites.get(session, user, server_id, site_id)
    if "\x00" in content:
        raise ValidationFailed({"content": ["The content must be text."]})
    site.deployment_script = content.replace("\r\n", "\n")
    if auto_source is not None:
        site.deployment_auto_source = auto_source
    return site.deployment_script


async def set_failure_emails(
    session: AsyncSession, user: User, server_id: int, site_id: int, emails: list[str]
) -> list[str]:
    """Replace the addresses a failed deployment of the site e-mails."""
    site = await sites.get(session, user, server_id, site_id)
    errors = {
        f"emails.{index}": ["The email must be a valid e-mail address."]
        for index, email in enumerate(emails)
        if not EMAIL.match(email) or len(email) > 255
    }
    if errors:
        raise ValidationFailed(errors)
    site.deployment_failure_emails = list(dict.fromkeys(emails))
    return site.deployment_failure_emails


async def page(
    session: AsyncSession, user: User, server_id: int, site_id: int, *, offset: int, limit: int
) -> tuple[Sequence[SiteDeployment], int]:
    site = await sites.get(session, user, server_id, site_id)
    return await repository.page(session, site.id, offset=offset, limit=limit)


async def get(
    session: AsyncSession, user: User, server_id: int, site_id: int, deployment_id: int
) -> SiteDeployment:
    site = await sites.get(session, user, server_id, site_id)
    deployment = await repository.get(session, site.id, deployment_id)
    if deployment is None:
        raise NotFound("deployment")
    return deployment


async def output_of(session: AsyncSession, user: User, deployment: SiteDeployment) -> str:
    """A deployment's output: all of it once it ended, what it printed so far while it runs."""
    if deployment.output is not None:
        return deployment.output
    if deployment.event_id is not None:
        try:
            output = await servers.event_output(session, user, deployment.server_id, deployment.event_id)
        except NotFound:
            return ""
        return script_output(output)
    return ""


async def log(session: AsyncSession, user: User, server_id: int, site_id: int) -> str:
    """The output of the site's latest deployment (empty before the first)."""
    site = await sites.get(session, user, server_id, site_id)
    deployment = await repository.latest(session, site.id)
    return await output_of(session, user, deployment) if deployment is not None else ""


def push_branch(headers: Mapping[str, str], payload: Any) -> tuple[bool, str | None]:
    """Whether the request is a provider's webhook, and the branch it says was pushed (None for
    another event, a tag push or a branch deletion)."""
    push = parse_push(headers, payload)
    if push is None:
        return False, None
    return True, push.heads[0].branch if push.heads else None


async def deploy_from_url(
    session: AsyncSession, site_id: int, token: str, headers: Mapping[str, str], body: Any
) -> tuple[str, SiteDeployment | None]:
    """The site's deployment URL: with quick deploy on, a POST deploys the site, and so does a
    provider's push notification for the site's branch (other events and branches are ignored)."""
    site = await sites_repository.by_id(session, site_id)
    if site is None or not secrets.compare_digest(site.deploy_token.encode(), token.encode()):
        raise NotFound("site")
    if not site.quick_deploy:
        raise Forbidden("Quick deploy is disabled for this site.")
    _require_repository(site)
    from_provider, branch = push_branch(headers, decode_payload(body))
    if from_provider and branch is None:
        return "Ignored: not a push to a branch.", None
    if from_provider and branch != site.repository_branch:
        return f"Ignored: the push was to {branch}, the site deploys {site.repository_branch}.", None
    deployment = await enqueue(session, site, QUICK if from_provider else TRIGGER_URL, actor=None)
    return "Deployment queued.", deployment
