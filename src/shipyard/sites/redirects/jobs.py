"""Redirect rule jobs: put a rule into its site's nginx configuration, or take it out."""

from __future__ import annotations

from shipyard.core.script import Script
from shipyard.hostops.site_rules import RedirectSpec, render_redirect
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import resources
from shipyard.sites.redirects import repository
from shipyard.sites.redirects.models import RedirectRule
from shipyard.sites.service import host_domain


def _render(rule: RedirectRule, *, present: bool) -> Script:
    spec = RedirectSpec(rule.id, rule.source, rule.target, rule.type)
    return render_redirect(host_domain(rule.site), spec, present=present)


@job("redirect_rules.install", timeout=300, max_attempts=2)
async def install(ctx: JobContext, resource_id: int) -> None:
    await resources.install(
        ctx,
        repository.for_host,
        resource_id,
        lambda rule: _render(rule, present=True),
        f"Installing redirect rule {resource_id}",
    )


@job("redirect_rules.remove", timeout=300, max_attempts=3)
async def remove(ctx: JobContext, resource_id: int) -> None:
    await resources.remove(
        ctx,
        repository.for_host,
        resource_id,
        lambda rule: _render(rule, present=False),
        f"Removing redirect rule {resource_id}",
    )
