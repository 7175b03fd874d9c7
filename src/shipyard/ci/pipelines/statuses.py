"""Commit statuses: what a pipeline shows on its forge, sent by a durable job (retried, and never
in the pipeline's way) when the pipeline is queued and when it ends.

One status per workflow, named as Woodpecker names them: `ci/woodpecker/<event>/<workflow>`
(`pr` for pull requests; matrix workflows add `/<n>`); a pipeline without workflows (a config
error) gets one, `ci/woodpecker/<event>`. The state is the workflow's, itself the merge of its
steps (`status.py`); each adapter maps it to its forge's states.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.forges import service as forges
from shipyard.ci.forges.adapter import CommitStatus
from shipyard.ci.pipelines import repository
from shipyard.ci.pipelines.models import Pipeline, Workflow
from shipyard.ci.repos.models import Repo
from shipyard.ci.status import Status
from shipyard.core.settings import get_settings
from shipyard.jobs import service as jobs

JOB = "ci.pipelines.report_status"
CONTEXT = "ci/woodpecker"
EVENT_NAMES = {"pull_request": "pr"}
DESCRIPTIONS = {
    Status.PENDING: "Pipeline is pending",
    Status.RUNNING: "Pipeline is running",
    Status.BLOCKED: "Pipeline is pending approval",
    Status.CREATED: "Pipeline is pending",
    Status.SUCCESS: "Pipeline was successful",
    Status.SKIPPED: "Pipeline was skipped",
    Status.FAILURE: "Pipeline failed",
    Status.KILLED: "Pipeline was canceled",
    Status.CANCELED: "Pipeline was canceled",
    Status.DECLINED: "Pipeline was declined",
    Status.ERROR: "Pipeline errored",
}


def statuses(pipeline: Pipeline, workflows: Sequence[Workflow], base_url: str) -> list[CommitStatus]:
    """The statuses of a pipeline now: one per workflow (or one for the pipeline if it has none)."""
    event = EVENT_NAMES.get(pipeline.event, pipeline.event)
    link = f"{base_url}/repos/{pipeline.repo_id}/pipeline/{pipeline.number}" if base_url else ""
    if not workflows:
        state = Status(pipeline.status)
        return [CommitStatus(f"{CONTEXT}/{event}", state, DESCRIPTIONS[state], link)]
    counts = Counter(w.name for w in workflows)
    seen: Counter[str] = Counter()
    out = []
    for workflow in sorted(workflows, key=lambda w: w.pid):
        seen[workflow.name] += 1
        suffix = f"/{seen[workflow.name]}" if counts[workflow.name] > 1 else ""
        state = Status(workflow.state)
        out.append(
            CommitStatus(
                f"{CONTEXT}/{event}/{workflow.name}{suffix}",
                state,
                DESCRIPTIONS[state],
                f"{link}/{workflow.pid}" if link else "",
            )
        )
    return out


async def report(session: AsyncSession, pipeline: Pipeline) -> None:
    """Queue the job that sends the pipeline's statuses as they are now (if its forge shows any)."""
    repo = await session.get(Repo, pipeline.repo_id)
    if repo is None or not pipeline.commit:
        return
    forge = await forges.get(session, repo.forge_id)
    adapter = forges.ADAPTERS.get(forge.type)
    if adapter is None or not adapter.reports_statuses:
        return
    await session.flush()
    base_url = (get_settings().public_url or "").rstrip("/")
    sent = statuses(pipeline, await repository.workflows(session, pipeline.id), base_url)
    jobs.enqueue(
        session,
        JOB,
        {"repo_id": repo.id, "sha": pipeline.commit, "statuses": [asdict(s) for s in sent]},
        resource_key=f"ci-status:{pipeline.id}",
    )
