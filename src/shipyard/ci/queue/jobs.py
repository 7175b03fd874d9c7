"""The queue's housekeeping: expired leases are handled even when no agent is polling."""

from __future__ import annotations

from typing import Any

from shipyard.ci.queue import service
from shipyard.core.db import session_scope
from shipyard.core.settings import get_settings
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job


@job("ci.queue.reap", timeout=60, every=lambda: get_settings().ci_lease_seconds / 3)
async def reap(ctx: JobContext) -> dict[str, Any]:
    async with session_scope() as session:
        touched = await service.reap(session)
    return {"workflows": touched}
