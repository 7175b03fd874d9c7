"""Cron schedules: expressions, names, @every, time zones."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shipyard.ci.cron.schedule import ScheduleError, next_exec

T0 = int(datetime(2026, 3, 1, 10, 30, 15, tzinfo=UTC).timestamp())


def at(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def test_expressions_and_names() -> None:
    assert next_exec("0 12 * * *", "UTC", T0) == at("2026-03-01T12:00:00+00:00")
    assert next_exec("@daily", "UTC", T0) == at("2026-03-02T00:00:00+00:00")
    assert next_exec("@hourly", "UTC", T0) == at("2026-03-01T11:00:00+00:00")
    assert next_exec("30 0 12 * * *", "UTC", T0) == at("2026-03-01T12:00:30+00:00")  # seconds first
    assert next_exec("0 12 * * *", "Europe/Berlin", T0) == at("2026-03-01T12:00:00+01:00")


def test_every() -> None:
    assert next_exec("@every 3m", "UTC", T0) == T0 + 180
    assert next_exec("@every 1h30m", "UTC", T0) == T0 + 5400
    assert next_exec("@every 2s", "UTC", T0) == T0 + 2


@pytest.mark.parametrize("bad", ["every day", "@every", "@every 0s", "* * *", "61 * * * *", "0 0 * * * ; rm"])
def test_bad_schedules(bad: str) -> None:
    with pytest.raises(ScheduleError):
        next_exec(bad, "UTC", T0)


def test_bad_zone() -> None:
    with pytest.raises(ScheduleError):
        next_exec("@daily", "Mars/Olympus", T0)
