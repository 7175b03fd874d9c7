"""Woodpecker's Prometheus metrics, from the database (so every server process answers the same)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.ci.agents import service as agents
from shipyard.ci.pipelines.models import Pipeline, Step
from shipyard.ci.repos.models import Repo
from shipyard.core.db import utcnow


async def _count(session: AsyncSession, query: Select[Any]) -> int:
    return int(await session.scalar(query) or 0)


async def render(session: AsyncSession) -> str:
    """The exposition text: gauges named and labelled as Woodpecker's."""
    lines: list[str] = []

    def gauge(name: str, help_text: str, samples: list[tuple[str, int]]) -> None:
        lines.extend([f"# HELP {name} {help_text}", f"# TYPE {name} gauge"])
        lines.extend(f"{name}{labels} {value}" for labels, value in samples)

    by_status = await session.execute(select(Pipeline.status, func.count()).group_by(Pipeline.status))
    gauge(
        "woodpecker_pipeline_count",
        "Pipelines by status.",
        [(f'{{status="{status}"}}', int(n)) for status, n in by_status.all()],
    )
    steps = dict((await session.execute(select(Step.state, func.count()).group_by(Step.state))).all())
    gauge("woodpecker_pending_steps", "Steps waiting to run.", [("", int(steps.get("pending", 0)))])
    gauge("woodpecker_running_steps", "Steps running.", [("", int(steps.get("running", 0)))])
    idle = await agents.idle_runners(session, utcnow())
    gauge("woodpecker_worker_count", "Agent runners waiting for work.", [("", idle)])
    gauge(
        "woodpecker_repo_count",
        "Active repositories.",
        [("", await _count(session, select(func.count()).select_from(Repo).where(Repo.active.is_(True))))],
    )
    gauge(
        "woodpecker_user_count",
        "Users.",
        [("", await _count(session, select(func.count()).select_from(User)))],
    )
    return "\n".join(lines) + "\n"
