"""Cron rules: CRUD with validated schedules, run now, and the tick that fires due crons once."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.ci.cron import repository
from shipyard.ci.cron.models import Cron
from shipyard.ci.cron.schedule import ScheduleError, next_exec
from shipyard.ci.cron.schemas import CronCreate, CronOut, CronPatch
from shipyard.ci.pipelines import service as pipelines
from shipyard.ci.pipelines.models import Pipeline
from shipyard.ci.repos import service as repos
from shipyard.ci.repos.models import Repo
from shipyard.core.errors import Conflict, NotFound, ValidationFailed

log = logging.getLogger(__name__)
BRANCH = re.compile(r"^[A-Za-z0-9._/+-]{1,200}\Z")


def read(cron: Cron) -> CronOut:
    return CronOut(
        id=cron.id,
        name=cron.name,
        repo_id=cron.repo_id,
        creator_id=cron.creator_id,
        next_exec=cron.next_exec,
        schedule=cron.schedule,
        timezone=cron.timezone,
        created=cron.created,
        branch=cron.branch,
        enabled=cron.enabled,
        variables=cron.variables,
    )


def _next(schedule: str, timezone: str) -> int:
    try:
        return next_exec(schedule, timezone, int(time.time()))
    except ScheduleError as exc:
        raise ValidationFailed({"schedule": [str(exc)]}) from None


def _check_branch(branch: str) -> None:
    if branch and (not BRANCH.match(branch) or ".." in branch):
        raise ValidationFailed({"branch": ["The branch name is not valid."]})


async def create(session: AsyncSession, user: User, repo: Repo, body: CronCreate) -> Cron:
    _check_branch(body.branch)
    if await repository.by_name(session, repo.id, body.name) is not None:
        raise Conflict(f"A cron named {body.name} exists already.")
    cron = Cron(
        repo_id=repo.id,
        name=body.name,
        creator_id=user.id,
        schedule=body.schedule,
        timezone=body.timezone or "UTC",
        branch=body.branch,
        enabled=body.enabled,
        variables=body.variables,
        next_exec=_next(body.schedule, body.timezone),
        created=int(time.time()),
    )
    session.add(cron)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"A cron named {body.name} exists already.") from exc
    return cron


async def get(session: AsyncSession, repo: Repo, cron_id: int) -> Cron:
    cron = await repository.get(session, repo.id, cron_id)
    if cron is None:
        raise NotFound("cron")
    return cron


async def page(session: AsyncSession, repo: Repo, *, offset: int, limit: int) -> tuple[Sequence[Cron], int]:
    return await repository.page(session, repo.id, offset=offset, limit=limit)


async def update(session: AsyncSession, repo: Repo, cron_id: int, body: CronPatch) -> Cron:
    cron = await get(session, repo, cron_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "branch" in changes:
        _check_branch(changes["branch"])
    new_name = changes.get("name", cron.name)
    if new_name != cron.name and await repository.by_name(session, repo.id, new_name) is not None:
        raise Conflict(f"A cron named {changes['name']} exists already.")
    for key, value in changes.items():
        setattr(cron, key, value)
    cron.next_exec = _next(cron.schedule, cron.timezone)
    await session.flush()
    return cron


async def delete(session: AsyncSession, repo: Repo, cron_id: int) -> None:
    await session.delete(await get(session, repo, cron_id))


async def run(session: AsyncSession, repo: Repo, cron: Cron, server_url: str) -> Pipeline | None:
    """Start the cron's pipeline now (on its branch, or the repository's default branch)."""
    branch = cron.branch or repo.default_branch
    trigger = pipelines.Trigger(
        event="cron",
        ref=f"refs/heads/{branch}",
        cron=cron.name,
        variables=dict(cron.variables),
        sender=cron.name,
        user_id=cron.creator_id or None,
    )
    return await pipelines.create(session, repo, trigger, server_url=server_url)


async def run_now(session: AsyncSession, repo: Repo, cron_id: int, server_url: str) -> Pipeline:
    created = await run(session, repo, await get(session, repo, cron_id), server_url)
    if created is None:
        raise ValidationFailed({"cron": ["Every workflow is filtered out for this cron."]})
    return created


async def fire_due(session: AsyncSession, server_url: str) -> int:
    """Run every due cron once for its due time; returns how many pipelines were started."""
    started = 0
    now = int(time.time())
    for cron in await repository.due(session, now):
        try:
            following = next_exec(cron.schedule, cron.timezone, now)
        except ScheduleError:
            log.warning("cron %d has an unusable schedule %r", cron.id, cron.schedule)
            continue
        if not await repository.claim(session, cron, cron.next_exec, following):
            continue  # another process fired it
        repo = await repos.get_raw(session, cron.repo_id)
        try:
            created = await run(session, repo, cron, server_url) if repo.active else None
        except ValidationFailed as exc:
            log.warning("cron %d of %s could not start: %s", cron.id, repo.full_name, exc.message)
            continue
        started += created is not None
    return started
