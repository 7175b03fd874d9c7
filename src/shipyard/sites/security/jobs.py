"""Security rule jobs: gate the site with its rules now (all of them are in one nginx file)."""

from __future__ import annotations

from shipyard.core.db import get_sessionmaker
from shipyard.core.script import Script
from shipyard.hostops.site_rules import SecuritySpec, render_security
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import resources
from shipyard.sites.security import repository
from shipyard.sites.security.models import SecurityRule
from shipyard.sites.service import host_domain


def spec(rule: SecurityRule) -> SecuritySpec:
    return SecuritySpec(
        rule.id, rule.name, rule.path, tuple((c.username, c.password_hash) for c in rule.credentials)
    )


async def _script(rule_id: int, *, removing: bool) -> Script | None:
    """The site's rules as nginx must have them once the rule is in (or, `removing`, out)."""
    async with get_sessionmaker()() as session:
        found = await repository.for_host(session, rule_id)
        if found is None:
            return None
        rule, active = found  # a rule being removed is no longer active
        return render_security(
            host_domain(rule.site),
            rule.site_id,
            [spec(other) for other in active],
            removed=(rule_id,) if removing else (),
        )


@job("security_rules.install", timeout=300, max_attempts=2)
async def install(ctx: JobContext, resource_id: int) -> None:
    script = await _script(resource_id, removing=False)
    if script is not None:
        await resources.install(
            ctx, repository.by_id, resource_id, lambda _: script, f"Installing security rule {resource_id}"
        )


@job("security_rules.remove", timeout=300, max_attempts=3)
async def remove(ctx: JobContext, resource_id: int) -> None:
    script = await _script(resource_id, removing=True)
    if script is not None:
        await resources.remove(
            ctx, repository.by_id, resource_id, lambda _: script, f"Removing security rule {resource_id}"
        )
