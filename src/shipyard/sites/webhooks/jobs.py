"""The job that POSTs a deployment's result to one webhook, retried a few times."""

from __future__ import annotations

from typing import Any

import httpx

from shipyard import __version__
from shipyard.core.db import get_sessionmaker
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import JobFailed, job
from shipyard.servers import host

ATTEMPTS = 3
TIMEOUT_SECONDS = 10


@job("sites.webhooks.deliver", timeout=60, max_attempts=ATTEMPTS)
async def deliver(
    ctx: JobContext, server_id: int, site_id: int, url: str, payload: dict[str, Any]
) -> dict[str, Any]:
    """A 2xx answer delivers; after the last failed attempt the failure becomes a server event."""
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = await client.post(url, json=payload, headers={"User-Agent": f"Shipyard/{__version__}"})
        problem = None if response.is_success else f"{url} answered {response.status_code}"
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        problem = f"could not POST to {url}: {exc!r}"
    if problem is None:
        await ctx.log(f"delivered to {url}: {response.status_code}")
        return {"url": url, "status_code": response.status_code}
    await ctx.log(problem)
    if ctx.attempt < ATTEMPTS:
        raise RuntimeError(problem)
    await host.record(
        get_sessionmaker(),
        server_id,
        f"Deployment webhook of site {site_id} failed",
        f"{problem} (attempt {ctx.attempt} of {ATTEMPTS}); the deployment is not affected.",
        failed=True,
    )
    raise JobFailed(problem)
