"""The job that sends a pipeline's commit statuses to its forge (retried with backoff)."""

from __future__ import annotations

from typing import Any

from shipyard.ci.forges import service as forges
from shipyard.ci.forges.adapter import CommitStatus, ForgeError
from shipyard.ci.pipelines.statuses import JOB
from shipyard.ci.repos import service as repos
from shipyard.core.db import session_scope
from shipyard.core.errors import NotFound
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import JobFailed, job

ATTEMPTS = 5


@job(JOB, timeout=180, max_attempts=ATTEMPTS)
async def report_status(
    ctx: JobContext, repo_id: int, sha: str, statuses: list[dict[str, Any]]
) -> dict[str, Any]:
    """POST each status; a forge error is retried (the last attempt's error fails the job)."""
    async with session_scope() as session:
        try:
            repo = await repos.get_raw(session, repo_id)
        except NotFound:
            raise JobFailed(f"repository {repo_id} is gone") from None
        adapter = forges.adapter(await forges.get(session, repo.forge_id))
    for status in statuses:
        sent = CommitStatus(**status)
        try:
            await adapter.report_status(repo, sha, sent)
        except ForgeError as exc:
            await ctx.log(f"{sent.context}: {exc}")
            raise
        await ctx.log(f"{sent.context}: {sent.state}")
    return {"sha": sha, "statuses": len(statuses)}
