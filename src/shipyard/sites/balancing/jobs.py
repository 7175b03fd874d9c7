"""Load balancing job: write the site's upstream on the load balancer."""

from __future__ import annotations

from shipyard.core.script import Script
from shipyard.hostops.site_rules import NodeSpec, render_balancing
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import resources
from shipyard.sites.balancing import repository
from shipyard.sites.balancing.models import Balancing
from shipyard.sites.service import host_domain


def _render(balancing: Balancing) -> Script:
    nodes = [
        NodeSpec(node["address"], node["port"], node["weight"], node["backup"], node["down"])
        for node in balancing.nodes
    ]
    return render_balancing(host_domain(balancing.site), balancing.site_id, balancing.method, nodes)


@job("balancing.install", timeout=300, max_attempts=2)
async def install(ctx: JobContext, resource_id: int) -> None:
    await resources.install(
        ctx, repository.for_host, resource_id, _render, f"Updating load balancing {resource_id}"
    )
