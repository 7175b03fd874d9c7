"""Firewall jobs: add and delete ufw rules on the host."""

from __future__ import annotations

from shipyard.hostops.firewall import FirewallRuleSpec, render_install, render_remove
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import resources
from shipyard.servers.firewall import repository


@job("firewall.install", timeout=300, max_attempts=2)
async def install(ctx: JobContext, resource_id: int) -> None:
    await resources.install(
        ctx,
        repository.by_id,
        resource_id,
        lambda rule: render_install(FirewallRuleSpec(rule.id, rule.port, rule.type, rule.ip_address)),
        f"Installing firewall rule {resource_id}",
    )


@job("firewall.remove", timeout=300, max_attempts=3)
async def remove(ctx: JobContext, resource_id: int) -> None:
    await resources.remove(
        ctx,
        repository.by_id,
        resource_id,
        lambda rule: render_remove(rule.id),
        f"Removing firewall rule {resource_id}",
    )
