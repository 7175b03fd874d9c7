"""The recurring sweep that marks overdue heartbeats missing (every SHIPYARD_HEARTBEAT_TICK s)."""

from __future__ import annotations

from typing import Any

from shipyard.core.db import get_sessionmaker
from shipyard.core.settings import get_settings
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.releases.heartbeats import service


@job("releases.heartbeats.sweep", timeout=120, every=lambda: get_settings().heartbeat_tick)
async def sweep(ctx: JobContext) -> dict[str, Any]:
    async with get_sessionmaker()() as session:
        changed = await service.sweep(session)
        await session.commit()
    for heartbeat in changed:
        await ctx.log(f"heartbeat {heartbeat.id} of project {heartbeat.project_id} is missing")
    return {"missing": [heartbeat.id for heartbeat in changed]}
