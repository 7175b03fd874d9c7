"""Scheduled job rules: validation, ownership through the server, and the jobs that apply them."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.db import get_sessionmaker
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.core.validation import UNIX_USER, is_single_line
from shipyard.hostops.cron import MAX_CRONTAB_COMMAND, CronJobSpec, crontab_command, render_output
from shipyard.servers import host, owned, resources
from shipyard.servers import service as servers
from shipyard.servers.cron import schedule
from shipyard.servers.cron.models import ScheduledJob
from shipyard.servers.cron.schemas import JobCreate
from shipyard.servers.models import Server

OUTPUT_SECONDS = 30


def _validate(body: JobCreate, default_user: str) -> tuple[str, str, dict[str, list[str]]]:
    """The user and cron expression of a valid body, and the errors of an invalid one."""
    errors: dict[str, list[str]] = {}
    user = body.user or default_user
    if not is_single_line(body.command):
        errors["command"] = ["The command must be a single line."]
    elif not body.command.strip():
        errors["command"] = ["The command field is required."]
    elif len(crontab_command(CronJobSpec(2**31 - 1, user, "", body.command))) > MAX_CRONTAB_COMMAND:
        errors["command"] = ["The command is too long for a crontab line (cron cuts it at 999 characters)."]
    if not UNIX_USER.fullmatch(user):
        errors["user"] = ["The user must be a valid Unix user name."]
    fields = {name: getattr(body, name) for name in schedule.FIELDS}
    cron, schedule_errors = schedule.build(body.frequency.lower(), fields)
    errors.update(schedule_errors)
    # Fields a preset frequency ignores must still be valid cron fields if given.
    for name, value in fields.items():
        if name not in errors and value and (reason := schedule.field_error(name, value)):
            errors[name] = [reason]
    return user, cron, errors


async def create(
    session: AsyncSession, user: User, server_id: int, body: JobCreate, *, actor: Actor
) -> tuple[ScheduledJob, Server]:
    server = await servers.get(session, user, server_id)
    job_user, cron, errors = _validate(body, server.ssh_user)
    if errors:
        raise ValidationFailed(errors)
    servers.require_ready(server)
    job = ScheduledJob(
        server_id=server.id, command=body.command, user=job_user, frequency=body.frequency.lower(), cron=cron
    )
    session.add(job)
    await session.flush()
    resources.enqueue(session, "cron.install", job, actor=actor)
    return job, server


async def page(
    session: AsyncSession, user: User, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[ScheduledJob], int, Server]:
    server = await servers.get(session, user, server_id)
    rows, total = await owned.rows(session, ScheduledJob, server_id, offset=offset, limit=limit)
    return rows, total, server


async def get(session: AsyncSession, user: User, server_id: int, job_id: int) -> tuple[ScheduledJob, Server]:
    server = await servers.get(session, user, server_id)
    job = await owned.row(session, ScheduledJob, server_id, job_id)
    if job is None:
        raise NotFound("job")
    return job, server


async def delete(session: AsyncSession, user: User, server_id: int, job_id: int, *, actor: Actor) -> None:
    """Marks the job `removing`; the engine's job takes its line out of the crontab, then deletes the row."""
    job, server = await get(session, user, server_id, job_id)
    servers.require_ready(server)
    resources.mark_removing(session, "cron.remove", job, actor=actor)


async def output(session: AsyncSession, user: User, server_id: int, job_id: int) -> str:
    """The tail of the job's log, read from the host now (empty until cron has run it)."""
    job, server = await get(session, user, server_id, job_id)
    servers.require_ready(server)
    # The read is recorded as an event from another session while this request waits. SQLite has one
    # writer, and the request may hold the write lock (a token's first-use stamp): end its transaction.
    await session.commit()
    try:
        result = await host.run(
            get_sessionmaker(),
            server.id,
            render_output(job.id, job.user),
            description=f"Reading the output of scheduled job {job.id}",
            user_id=user.id,
            time_limit=OUTPUT_SECONDS,
            check=False,
        )
    except host.HostActionFailed as exc:
        raise servers.ActionFailed(f"Could not read the job's output from the server: {exc}") from exc
    if not result.ok:
        raise servers.ActionFailed(
            f"Could not read the job's output from the server: {result.output.strip()[-500:]}"
        )
    text = result.output.rstrip("\n")
    return text + "\n" if text else ""
