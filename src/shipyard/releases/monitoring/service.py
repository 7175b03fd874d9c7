"""The project's `monitor` URL, requested from this installation on a schedule.

Envoyer checks from New York, London and Singapore; Shipyard has one vantage point, itself, so
the three region fields all report its check. A URL is `healthy` when it answers below 400
(redirects followed) within SHIPYARD_PROJECT_MONITOR_TIMEOUT seconds, else `unhealthy`.
A change to `unhealthy`, and back to `healthy`, is announced once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shipyard import __version__
from shipyard.core.settings import get_settings
from shipyard.releases.monitoring import repository
from shipyard.releases.notifications.service import Event, announce
from shipyard.releases.projects import repository as projects
from shipyard.releases.projects.models import MonitorStatus

HEALTHY, UNHEALTHY = MonitorStatus.HEALTHY, MonitorStatus.UNHEALTHY
PARALLEL_CHECKS = 8
MAX_REDIRECTS = 5
FAILING_STATUS = 400


@dataclass(frozen=True)
class Outcome:
    project_id: int
    status: str
    problem: str | None
    changed: bool


async def probe(url: str) -> str | None:
    """None when the URL answers below 400 in time, else what went wrong."""
    timeout = get_settings().project_monitor_timeout
    try:
        async with httpx.AsyncClient(
            timeout=timeout, follow_redirects=True, max_redirects=MAX_REDIRECTS
        ) as client:
            response = await client.get(url, headers={"User-Agent": f"Shipyard-Monitor/{__version__}"})
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if response.status_code >= FAILING_STATUS:
        return f"{url} answered {response.status_code}"
    return None


async def check(sessions: async_sessionmaker[AsyncSession], project_id: int, url: str) -> Outcome:
    """Probe one project's URL, record the status, announce a change to or from unhealthy."""
    problem = await probe(url)
    status = HEALTHY if problem is None else UNHEALTHY
    async with sessions() as session:
        changed, previous = await repository.set_status(session, project_id, url, status)
        # The first check of a URL that answers is no news; every other change is.
        if changed and not (previous is None and status == HEALTHY):
            project = await projects.by_id(session, project_id)
            if project is not None:
                event = Event.MONITOR_HEALTHY if status == HEALTHY else Event.MONITOR_FAILING
                await announce(session, project, event, reason=problem)
        await session.commit()
    return Outcome(project_id, status, problem, changed)


async def check_all(sessions: async_sessionmaker[AsyncSession]) -> list[Outcome]:
    """Check every monitored project, a few at a time."""
    async with sessions() as session:
        monitored = await repository.monitored(session)
    slots = asyncio.Semaphore(PARALLEL_CHECKS)

    async def one(project_id: int, url: str) -> Outcome:
        async with slots:
            return await check(sessions, project_id, url)

    return list(await asyncio.gather(*(one(project_id, url) for project_id, url in monitored)))
