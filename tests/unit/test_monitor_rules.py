"""When a monitor goes ALERT and back to OK, and what its e-mail says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shipyard.servers.monitors.models import Monitor
from shipyard.servers.monitors.rules import holds, next_state, notice


def test_operators_include_the_threshold() -> None:
    assert holds("gte", 80, 80) and holds("gte", 80.1, 80) and not holds("gte", 79.99, 80)
    assert holds("lte", 25, 25) and holds("lte", 0, 25) and not holds("lte", 25.01, 25)


@pytest.mark.parametrize(
    ("state", "window", "watched", "expected"),
    [
        ("OK", [85.0], True, "ALERT"),  # minutes 0: the newest sample decides
        ("OK", [85.0, 90.0, 81.0], True, "ALERT"),  # held in every sample of the window
        ("OK", [70.0, 90.0, 81.0], True, "OK"),  # not yet for the whole window
        ("OK", [85.0, 90.0], False, "OK"),  # the monitor has not watched a whole window yet
        ("ALERT", [85.0, 90.0, 70.0], True, "OK"),  # the newest sample no longer meets it
        ("ALERT", [85.0, 90.0], True, "ALERT"),
        ("OK", [], True, "OK"),
    ],
)
def test_next_state(state: str, window: list[float], watched: bool, expected: str) -> None:
    assert next_state(state, "gte", 80, window, watched) == expected


def test_the_notice_names_the_server_the_metric_and_the_value() -> None:
    monitor = Monitor(
        id=7, type="disk", operator="gte", threshold=80.5, minutes=5, notify="a@b.co", state="ALERT"
    )
    subject, body = notice(monitor, "web-1", "10.0.0.5", 91.234, datetime(2026, 3, 1, 12, 45, tzinfo=UTC))
    assert subject == "[ALERT] web-1: used disk space is 91.23% (>= 80.5%)"
    assert "Monitor 7 on server web-1 (10.0.0.5) is now ALERT" in body
    assert "greater than or equal to 80.5% for 5 minutes" in body
    assert "Latest:    91.23% at 2026-03-01 12:45:00 UTC" in body
    monitor.state = "OK"
    subject, body = notice(monitor, "web-1", None, 12.0, datetime(2026, 3, 1, 12, 50, tzinfo=UTC))
    assert subject == "[OK] web-1: used disk space is back to 12.00%" and "is OK again" in body
