"""The deployment job: run the site's deployment script on its host, keep the output and the
commit, then e-mail the failure addresses (on failure) and POST the result to the webhooks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.core.db import get_sessionmaker, utcnow
from shipyard.hostops.deployments import (
    DeploySpec,
    Trigger,
    default_script,
    deployed_commit,
    render_deploy,
    script_output,
)
from shipyard.hostops.git import commit_url
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import JobFailed, job
from shipyard.mail import service as mail
from shipyard.servers import host
from shipyard.sites import repository as sites_repository
from shipyard.sites.deployments import repository
from shipyard.sites.deployments.models import SiteDeployment
from shipyard.sites.deployments.service import API, DEPLOYING, FAILED, FINISHED, QUEUED, QUICK
from shipyard.sites.git.service import repository_of
from shipyard.sites.models import Site
from shipyard.sites.service import spec_of
from shipyard.sites.webhooks import service as webhooks

DEPLOY_SECONDS = 600  # Forge's limit
MAILED_OUTPUT_LINES = 40


@dataclass(frozen=True)
class Outcome:
    """How a deployment ended; `output` None: the host could not finish it (the server event
    keeps what it printed, and `error` says why)."""

    ok: bool
    output: str | None
    error: str = ""
    commit_hash: str | None = None
    commit_author: str | None = None
    commit_message: str | None = None


async def _start(session: AsyncSession, deployment: SiteDeployment, site: Site) -> DeploySpec | Outcome:
    """Mark the deployment deploying; what to run, or the outcome when there is nothing to run."""
    deployment.status, deployment.started_at = DEPLOYING, utcnow()
    site.deployment_status = DEPLOYING
    repo = repository_of(site)
    if repo is None:
        return Outcome(False, "The site has no repository to deploy.")
    return DeploySpec(
        site=spec_of(site, site.server),
        server_id=site.server_id,
        branch=repo.branch,
        content=site.deployment_script or default_script(site.project_type),
        auto_source=site.deployment_auto_source,
        trigger=Trigger(quick=deployment.type == QUICK, manual=deployment.type == API),
    )


async def _run(
    ctx: JobContext, deployment_id: int, site_id: int, server_id: int, spec: DeploySpec
) -> Outcome:
    sessions = get_sessionmaker()

    async def follow(event_id: int) -> None:
        async with sessions() as session:
            await repository.link_event(session, deployment_id, event_id)
            await session.commit()

    try:
        result = await host.run(
            sessions,
            server_id,
            render_deploy(spec),
            description=f"Deploying site {site_id}",
            user_id=ctx.user_id,
            time_limit=DEPLOY_SECONDS,
            check=False,
            on_event=follow,
        )
    except host.HostActionFailed as exc:
        return Outcome(False, None, str(exc))
    commit = deployed_commit(result)
    return Outcome(
        result.ok,
        script_output(result.output),
        commit_hash=commit.hash if commit else None,
        commit_author=commit.author[:255] if commit else None,
        commit_message=commit.message if commit else None,
    )


def _mail_failure(session: AsyncSession, site: Site, deployment: SiteDeployment, outcome: Outcome) -> None:
    where = f"{site.name} (server {site.server.name})"
    tail = "\n".join((outcome.output or outcome.error).splitlines()[-MAILED_OUTPUT_LINES:])
    for address in site.deployment_failure_emails:
        mail.send(
            session,
            address,
            f"Deployment failed: {site.name}",
            f"The deployment #{deployment.id} of {where} failed.\n\n"
            f"Commit: {outcome.commit_hash or 'unknown'} {outcome.commit_message or ''}\n\n"
            f"The end of its output:\n\n{tail}\n",
        )


async def _finish(session: AsyncSession, deployment: SiteDeployment, site: Site, outcome: Outcome) -> None:
    """Record the outcome; the site's status says whether more deployments wait."""
    deployment.status = FINISHED if outcome.ok else FAILED
    deployment.ended_at = utcnow()
    deployment.output = outcome.output
    deployment.commit_hash = outcome.commit_hash
    deployment.commit_author = outcome.commit_author
    deployment.commit_message = outcome.commit_message
    await session.flush()
    site.deployment_status = QUEUED if await repository.queued(session, site.id) else None
    if not outcome.ok:
        _mail_failure(session, site, deployment, outcome)
    await webhooks.notify(
        session,
        site.id,
        {
            "status": "success" if outcome.ok else "failure",
            "server": {"id": site.server_id, "name": site.server.name},
            "site": {"id": site.id, "name": site.name},
            "commit_hash": outcome.commit_hash,
            "commit_url": commit_url(
                site.repository_provider or "", site.repository or "", outcome.commit_hash or ""
            ),
            "commit_author": outcome.commit_author,
            "commit_message": outcome.commit_message,
        },
    )


@job("sites.deploy", timeout=DEPLOY_SECONDS + 120, max_attempts=1, idempotent=False)
async def deploy(ctx: JobContext, deployment_id: int) -> dict[str, object] | None:
    """One deployment; the site's other deployments wait for it (they share its resource key)."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        deployment = await session.get(SiteDeployment, deployment_id)
        site = await sites_repository.for_host(session, deployment.site_id) if deployment else None
        if deployment is None or site is None:
            return None
        started = await _start(session, deployment, site)
        server_id = site.server_id
        await session.commit()
    outcome = (
        started
        if isinstance(started, Outcome)
        else await _run(ctx, deployment_id, site.id, server_id, started)
    )
    async with sessions() as session:
        deployment = await session.get(SiteDeployment, deployment_id)
        site = await sites_repository.for_host(session, site.id)
        if deployment is None or site is None:
            return None
        await _finish(session, deployment, site, outcome)
        await session.commit()
    if not outcome.ok:
        raise JobFailed(f"Deployment {deployment_id} of site {site.id} failed; see its output.")
    return {"deployment_id": deployment_id, "commit": outcome.commit_hash}
