"""Monitor rules: validation, ownership through the server, and what a new sample changes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.errors import ValidationFailed
from shipyard.core.settings import get_settings
from shipyard.core.validation import EMAIL
from shipyard.hostops.monitors import METRICS, Reading
from shipyard.mail import service as mail
from shipyard.servers import owned
from shipyard.servers import service as servers
from shipyard.servers.models import Server, ServerEvent
from shipyard.servers.monitors import repository, rules
from shipyard.servers.monitors.models import Monitor, MonitorSample
from shipyard.servers.monitors.schemas import OPERATORS, MonitorCreate

MAX_CPU_LOAD = 100_000.0  # percent of the CPUs: a load of 1000 per CPU


def _validate(body: MonitorCreate) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if body.type not in METRICS:
        errors["type"] = [f"The type must be one of: {', '.join(METRICS)}."]
    if body.operator not in OPERATORS:
        errors["operator"] = ["The operator must be gte or lte."]
    highest = MAX_CPU_LOAD if body.type == "cpu_load" else 100.0
    if not 0 <= body.threshold <= highest:
        errors["threshold"] = [f"The threshold must be a percentage between 0 and {highest:g}."]
    if len(body.notify) > 254 or not EMAIL.match(body.notify):
        errors["notify"] = ["The notify field must be one valid e-mail address."]
    return errors


async def create(session: AsyncSession, user: User, server_id: int, body: MonitorCreate) -> Monitor:
    """A new monitor starts OK; the next samples of its server decide from there."""
    server = await servers.get(session, user, server_id)
    errors = _validate(body)
    if errors:
        raise ValidationFailed(errors)
    servers.require_ready(server)
    monitor = Monitor(
        server_id=server.id,
        type=body.type,
        operator=body.operator,
        threshold=body.threshold,
        minutes=body.minutes,
        notify=body.notify,
    )
    session.add(monitor)
    await session.flush()
    return monitor


async def page(
    session: AsyncSession, user: User, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Monitor], int]:
    return await owned.page(session, user, Monitor, server_id, offset=offset, limit=limit)


async def get(session: AsyncSession, user: User, server_id: int, monitor_id: int) -> Monitor:
    return await owned.get(session, user, Monitor, server_id, monitor_id, "monitor")


async def delete(session: AsyncSession, user: User, server_id: int, monitor_id: int) -> None:
    """Nothing runs on the host for a monitor, so it is gone at once (its samples with the next sweep)."""
    await session.delete(await get(session, user, server_id, monitor_id))


def window(monitor: Monitor) -> timedelta:
    """How far back the monitor's condition must have held: its `minutes`."""
    return timedelta(seconds=monitor.minutes * get_settings().monitor_minute_seconds)


async def record(
    session: AsyncSession, server: Server, reading: Reading, taken_at: datetime
) -> list[Monitor]:
    """Store a sample of the server, move its monitors to their new states and queue an e-mail
    (and a server event) for each change; returns the monitors that changed."""
    session.add(MonitorSample(server_id=server.id, taken_at=taken_at, **asdict(reading)))
    await session.flush()
    monitors = await repository.of_server(session, server.id)
    if not monitors:
        return []
    longest = max(window(monitor) for monitor in monitors)
    samples = await repository.samples_since(session, server.id, taken_at - longest)
    changed: list[Monitor] = []
    for monitor in monitors:
        since = taken_at - window(monitor)
        values = [getattr(sample, monitor.type) for sample in samples if sample.taken_at >= since]
        state = rules.next_state(
            monitor.state, monitor.operator, monitor.threshold, values, monitor.created_at <= since
        )
        if state == monitor.state:
            continue
        monitor.state, monitor.state_changed_at = state, taken_at
        subject, body = rules.notice(
            monitor, server.name, server.ip_address, reading.value(monitor.type), taken_at
        )
        job = mail.send(session, monitor.notify, subject, body)
        await session.flush()
        told = f"E-mail to {monitor.notify} queued as job {job.id}."
        if not get_settings().smtp_host:
            told += " SMTP is not configured (SHIPYARD_SMTP_HOST is unset): it will not be sent."
        session.add(
            ServerEvent(
                server_id=server.id,
                ran_as="shipyard",
                description=f"Monitor {monitor.id} is {state}",
                output=f"{subject}\n\n{told}\n",
                status="finished",
            )
        )
        changed.append(monitor)
    # Keep what the longest window needs, with a margin of two sampling intervals.
    margin = timedelta(seconds=2 * get_settings().monitor_interval)
    await repository.prune_samples(session, server.id, taken_at - longest - margin)
    return changed
