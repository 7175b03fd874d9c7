"""Cron schedules: Forge's frequencies as cron expressions, strict field checks, and the next run.

Only the syntax Debian's (Vixie) cron understands is accepted: `*`, numbers, ranges `a-b`, steps
`*/n` and `a-b/n`, lists of those, and a single three-letter name in the month and weekday fields.
Everything else (croniter extensions such as `L`, `#` or `H`, shell characters) is refused.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterError, croniter  # type: ignore[import-untyped]

REBOOT = "@reboot"
FREQUENCIES: dict[str, str | None] = {
    "minutely": "* * * * *",
    "hourly": "0 * * * *",
    "nightly": "0 0 * * *",
    "weekly": "0 0 * * 0",
    "monthly": "0 0 1 * *",
    "reboot": REBOOT,
    "custom": None,
}
FIELDS = ("minute", "hour", "day", "month", "weekday")
MAX_FIELD_LENGTH = 64

_BOUNDS = {"minute": (0, 59), "hour": (0, 23), "day": (1, 31), "month": (1, 12), "weekday": (0, 7)}
_NAMES = {
    "month": ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
    "weekday": ("sun", "mon", "tue", "wed", "thu", "fri", "sat"),
}
_CHARACTERS = re.compile(r"^[0-9*,/-]+\Z")
_ELEMENT = re.compile(
    r"^(?:\*(?:/(?P<star_step>\d{1,2}))?|(?P<low>\d{1,2})(?:-(?P<high>\d{1,2})(?:/(?P<step>\d{1,2}))?)?)$"
)


def field_error(name: str, value: str) -> str | None:
    """Why `value` is not a valid cron `name` field (minute, hour, day, month, weekday), or None."""
    low_bound, high_bound = _BOUNDS[name]
    if not value or len(value) > MAX_FIELD_LENGTH:
        return f"The {name} must be a cron field of 1 to {MAX_FIELD_LENGTH} characters."
    if value.lower() in _NAMES.get(name, ()):
        return None
    allowed = "digits and * , - /" + (" (or one three-letter name)" if name in _NAMES else "")
    if not _CHARACTERS.fullmatch(value):
        return f"The {name} may only contain {allowed}."
    for element in value.split(","):
        match = _ELEMENT.fullmatch(element)
        if match is None:
            return f"The {name} has an invalid element {element!r} (use *, n, a-b, */n or a-b/n)."
        numbers = [int(v) for v in (match["low"], match["high"]) if v is not None]
        if any(not low_bound <= n <= high_bound for n in numbers):
            return f"The {name} values must be between {low_bound} and {high_bound}."
        if len(numbers) == 2 and numbers[0] > numbers[1]:
            return f"The {name} range {element!r} runs backwards."
        step = match["step"] or match["star_step"]
        if step is not None and not 1 <= int(step) <= high_bound:
            return f"The {name} step must be between 1 and {high_bound}."
    probe = ["*"] * len(FIELDS)
    probe[FIELDS.index(name)] = value
    if not croniter.is_valid(" ".join(probe)):
        return f"The {name} is not a valid cron field."
    return None


def build(frequency: str, fields: dict[str, str | None]) -> tuple[str, dict[str, list[str]]]:
    """The cron expression of a Forge frequency (custom: from `fields`), and errors keyed by field."""
    errors: dict[str, list[str]] = {}
    if frequency not in FREQUENCIES:
        return "", {"frequency": [f"The frequency must be one of: {', '.join(FREQUENCIES)}."]}
    preset = FREQUENCIES[frequency]
    if preset is not None:
        return preset, errors
    for name in FIELDS:
        value = fields.get(name)
        if value is None or value == "":
            errors[name] = [f"The {name} field is required when frequency is custom."]
        elif (reason := field_error(name, value)) is not None:
            errors[name] = [reason]
    if errors:
        return "", errors
    expression = " ".join(fields[name] or "" for name in FIELDS)
    if next_run_time(expression, "UTC") is None:
        errors["day"] = ["The schedule never runs (no such day in the chosen months)."]
    return expression, errors


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def next_run_time(expression: str, timezone: str, now: datetime | None = None) -> datetime | None:
    """When cron next runs `expression` on a host in `timezone`, in UTC (None for @reboot or never)."""
    if expression == REBOOT:
        return None
    start = (now or datetime.now(UTC)).astimezone(_zone(timezone))
    try:
        found = croniter(expression, start).get_next(datetime)
    except (CroniterError, ValueError):
        return None
    assert isinstance(found, datetime)
    return found.astimezone(UTC)
