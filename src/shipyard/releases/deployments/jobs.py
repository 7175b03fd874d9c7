"""The deployment job: one at a time per project (the job's resource key), never retried."""

from __future__ import annotations

from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.releases.deployments import engine


@job("releases.deploy", timeout=7200, idempotent=False)
async def deploy(ctx: JobContext, deployment_id: int) -> None:
    await engine.deploy(deployment_id)
