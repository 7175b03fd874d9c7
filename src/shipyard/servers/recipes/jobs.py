"""Recipe job: run one recipe on one server as an event."""

from __future__ import annotations

from shipyard.core.db import get_sessionmaker
from shipyard.hostops.recipes import render_run
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import host

RECIPE_TIME_LIMIT = 3600


@job("recipes.run", timeout=RECIPE_TIME_LIMIT + 60, max_attempts=1, idempotent=False)
async def run(
    ctx: JobContext, server_id: int, recipe_id: int, name: str, user: str, script: str, notify: bool
) -> None:
    """A failed script is a failed event (and job); the run is never repeated by itself."""
    await host.run(
        get_sessionmaker(),
        server_id,
        render_run(script),
        description=f"Running recipe {name} (#{recipe_id})",
        user_id=ctx.user_id,
        run_as=user,
        time_limit=RECIPE_TIME_LIMIT,
    )
