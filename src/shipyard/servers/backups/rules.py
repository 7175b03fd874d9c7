"""Backup rules that need no database: payload checks, frequencies as cron expressions (UTC),
the next run, which backups retention removes, and Forge's way of printing dates."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar
from urllib.parse import urlsplit

from shipyard.core.validation import EMAIL
from shipyard.servers.backups.schemas import BackupConfigurationCreate, FrequencyIn
from shipyard.servers.backups.storage import PROVIDERS
from shipyard.servers.cron.schedule import FIELDS, field_error, next_run_time

FREQUENCIES = ("hourly", "daily", "weekly", "custom")
TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])\Z")
# S3's bucket naming rules (lowercase; no `..`; not an IP address, checked apart).
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")
REGION = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}\Z")
KEY = re.compile(r"^[\x21-\x7e]{1,255}\Z")
# Relative key prefixes: segments of letters, digits and . _ -, none starting with a dot.
DIRECTORY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*\Z")
MAX_DIRECTORY = 200


@dataclass(frozen=True)
class Schedule:
    """A frequency as stored: Forge's fields and the cron expression they mean, in UTC."""

    frequency: str
    time: str | None
    day: int | None
    custom: str | None
    cron: str


@dataclass(frozen=True)
class Checked:
    """A payload that passed: its schedule and its normalized values."""

    schedule: Schedule
    directory: str
    endpoint: str | None
    region: str | None


def schedule_of(frequency: FrequencyIn) -> tuple[Schedule | None, dict[str, list[str]]]:
    """The schedule of Forge's `frequency` object, or the errors keyed `frequency.<field>`."""
    kind = frequency.type
    if kind not in FREQUENCIES:
        return None, {"frequency.type": [f"The frequency type must be one of: {', '.join(FREQUENCIES)}."]}
    if kind == "hourly":
        return Schedule(kind, None, None, None, "0 * * * *"), {}
    if kind == "custom":
        return _custom(frequency.custom)
    errors: dict[str, list[str]] = {}
    match = TIME.match(frequency.time or "")
    if match is None:
        errors["frequency.time"] = [
            f"The time is required for {kind} backups, in 24 hour format (HH:MM, UTC)."
        ]
    day = frequency.day
    if kind == "weekly" and (day is None or not 0 <= day <= 6):
        errors["frequency.day"] = ["The day is required for weekly backups: 0 (Sunday) to 6 (Saturday)."]
    if errors or match is None:
        return None, errors
    hour, minute = int(match.group(1)), int(match.group(2))
    time = f"{hour:02d}:{minute:02d}"
    if kind == "daily":
        return Schedule(kind, time, None, None, f"{minute} {hour} * * *"), {}
    return Schedule(kind, time, day, None, f"{minute} {hour} * * {day}"), {}


def _custom(expression: str | None) -> tuple[Schedule | None, dict[str, list[str]]]:
    def refused(reason: str) -> tuple[None, dict[str, list[str]]]:
        return None, {"frequency.custom": [reason]}

    if not expression or not expression.strip():
        return refused("The custom field is required for custom backups: a cron expression.")
    fields = expression.split()
    if len(fields) != len(FIELDS):
        return refused("The custom frequency must be a cron expression of five fields (minute to weekday).")
    for name, value in zip(FIELDS, fields, strict=True):
        if (reason := field_error(name, value)) is not None:
            return refused(reason)
    cron = " ".join(fields)
    if next_run_time(cron, "UTC") is None:
        return refused("The custom frequency never runs (no such day in the chosen months).")
    return Schedule("custom", None, None, cron, cron), {}


def next_run(cron: str, after: datetime) -> datetime:
    """When a schedule runs next after `after` (UTC)."""
    found = next_run_time(cron, "UTC", after)
    if found is None:
        raise ValueError(f"the schedule {cron!r} never runs")
    return found


def _endpoint_error(endpoint: str) -> str | None:
    reason = "The endpoint must be an http or https URL of a host (and port), such as https://s3.example.com."
    if any(char.isspace() or not char.isprintable() for char in endpoint):
        return reason
    try:
        parts = urlsplit(endpoint)
        _ = parts.port
    except ValueError:
        return reason
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.password is not None
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
    ):
        return reason
    return None


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def validate(body: BackupConfigurationCreate) -> tuple[Checked | None, dict[str, list[str]]]:
    """Check everything in the payload but the databases; errors are keyed by field."""
    errors: dict[str, list[str]] = {}
    if body.provider not in PROVIDERS:
        errors["provider"] = [f"The provider must be one of: {', '.join(PROVIDERS)}."]
    credentials = body.credentials
    bucket = credentials.bucket
    if not BUCKET.match(bucket) or ".." in bucket or _is_ip(bucket):
        errors["credentials.bucket"] = [
            "The bucket must be a valid bucket name: 3 to 63 lowercase letters, digits, '.' and '-'."
        ]
    for field in ("access_key", "secret_key"):
        if not KEY.match(getattr(credentials, field)):
            errors[f"credentials.{field}"] = [
                f"The {field.replace('_', ' ')} must be 1 to 255 printable characters."
            ]
    region = credentials.region or None
    if region is None and body.provider in ("s3", "spaces"):
        errors["credentials.region"] = [f"The region is required for the {body.provider} provider."]
    elif region is not None and not REGION.match(region):
        errors["credentials.region"] = [
            "The region may contain lowercase letters, digits and '-', such as nyc3."
        ]
    endpoint = credentials.endpoint or None
    if endpoint is None and body.provider == "custom":
        errors["credentials.endpoint"] = ["The endpoint is required for the custom provider."]
    elif endpoint is not None:
        if (reason := _endpoint_error(endpoint)) is not None:
            errors["credentials.endpoint"] = [reason]
        endpoint = endpoint.rstrip("/")
    schedule, frequency_errors = schedule_of(body.frequency)
    errors |= frequency_errors
    directory = body.directory.strip("/")
    if directory and (len(directory) > MAX_DIRECTORY or not DIRECTORY.match(directory)):
        errors["directory"] = [
            "The directory must be a relative path of letters, digits and . _ - "
            f"(no segment starting with '.'; at most {MAX_DIRECTORY} characters)."
        ]
    if body.email is not None and body.email != "" and (len(body.email) > 254 or not EMAIL.match(body.email)):
        errors["email"] = ["The email must be one valid e-mail address."]
    if errors or schedule is None:
        return None, errors
    return Checked(schedule, directory, endpoint, region), errors


def object_key(directory: str, archive: str) -> str:
    """Where an archive goes in the bucket."""
    return f"{directory}/{archive}" if directory else archive


def archive_path(bucket: str, key: str) -> str:
    """Forge's `archive_path`: `s3://bucket/key`."""
    return f"s3://{bucket}/{key}"


class Dated(Protocol):
    id: int
    started_at: datetime


D = TypeVar("D", bound=Dated)


def beyond_retention(backups: Sequence[D], retention: int) -> list[D]:
    """The backups that retention removes: all but the newest `retention`."""
    newest_first = sorted(backups, key=lambda backup: (backup.started_at, backup.id), reverse=True)
    return newest_first[max(retention, 0) :]


def forge_date(at: datetime) -> str:
    """Forge's backup `date`: `1st Jan 12:36 PM` (UTC)."""
    day = at.day
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix} {at:%b %I:%M %p}"


UNITS = (
    ("year", 365 * 86400),
    ("month", 30 * 86400),
    ("week", 7 * 86400),
    ("day", 86400),
    ("hour", 3600),
    ("minute", 60),
    ("second", 1),
)


def ago(then: datetime, now: datetime) -> str:
    """How long ago `then` was, as Forge words `last_backup_time`: `3 days ago`."""
    seconds = max(int((now - then).total_seconds()), 1)
    unit, length = next((unit, length) for unit, length in UNITS if seconds >= length)
    count = seconds // length
    return f"{count} {unit}{'' if count == 1 else 's'} ago"
