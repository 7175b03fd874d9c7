"""Woodpecker cron schedules: cron expressions (5 or 6 fields, seconds first), `@daily`-style
names, and `@every <duration>` (`90s`, `3m`, `1h30m`). The next run is computed in the cron's
time zone and stored as unix seconds."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter  # type: ignore[import-untyped]

NAMED = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_EVERY = re.compile(r"^@every\s+((?:\d+(?:h|m|s))+)\Z")
_PART = re.compile(r"(\d+)(h|m|s)")
_UNITS = {"h": 3600, "m": 60, "s": 1}
_CRON_CHARS = re.compile(r"^[0-9A-Za-z*,/\- ?]+\Z")


class ScheduleError(ValueError):
    """The schedule or time zone cannot be understood."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown time zone {name!r}") from None


def next_exec(schedule: str, timezone: str, after: int) -> int:
    """The first run strictly after `after` (unix seconds)."""
    tz = zone(timezone)
    text = " ".join(schedule.split())
    every = _EVERY.match(text)
    if every:
        seconds = sum(int(n) * _UNITS[u] for n, u in _PART.findall(every.group(1)))
        if seconds < 1:
            raise ScheduleError("@every needs a positive duration")
        return after + seconds
    expression = NAMED.get(text.lower(), text)
    fields = expression.split(" ")
    if not _CRON_CHARS.match(expression) or len(fields) not in (5, 6):
        raise ScheduleError(
            f"{schedule!r} is not a cron expression (5 or 6 fields), a @name or @every <duration>"
        )
    if len(fields) == 6:  # Woodpecker's seconds-first form: croniter wants seconds last
        expression = " ".join([*fields[1:], fields[0]])
    try:
        start = datetime.fromtimestamp(after, tz)
        following = croniter(expression, start).get_next(datetime)
    except (CroniterError, ValueError, KeyError) as exc:
        raise ScheduleError(f"{schedule!r}: {exc}") from None
    assert isinstance(following, datetime)
    return int(following.timestamp())
