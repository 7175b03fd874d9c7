"""The cron tick: every few seconds, each server process looks for due crons; a conditional
UPDATE of `next_exec` lets exactly one of them fire each due time."""

from __future__ import annotations

from typing import Any

from shipyard.ci.cron import service
from shipyard.core.db import session_scope
from shipyard.core.settings import get_settings
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job


@job("ci.cron.tick", timeout=300, every=lambda: get_settings().ci_cron_tick)
async def tick(ctx: JobContext) -> dict[str, Any]:
    async with session_scope() as session:
        started = await service.fire_due(session, (get_settings().public_url or "").rstrip("/"))
    return {"pipelines": started}
