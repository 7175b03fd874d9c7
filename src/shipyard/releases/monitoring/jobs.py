"""The recurring check of the projects' monitor URLs (every SHIPYARD_PROJECT_MONITOR_INTERVAL s)."""

from __future__ import annotations

from typing import Any

from shipyard.core.db import get_sessionmaker
from shipyard.core.settings import get_settings
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.releases.monitoring import service


@job("releases.monitor.check", timeout=300, every=lambda: get_settings().project_monitor_interval)
async def check(ctx: JobContext) -> dict[str, Any]:
    outcomes = await service.check_all(get_sessionmaker())
    for outcome in outcomes:
        if outcome.changed:
            detail = f": {outcome.problem}" if outcome.problem else ""
            await ctx.log(f"project {outcome.project_id}: monitor {outcome.status}{detail}")
    return {
        "checked": len(outcomes),
        "unhealthy": [o.project_id for o in outcomes if o.status != service.HEALTHY],
    }
