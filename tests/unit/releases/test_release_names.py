"""Release folder names: timestamps, never the same twice for a project, in the releases' order."""

from __future__ import annotations

from datetime import UTC, datetime

from shipyard.releases.deployments.engine import release_name

NOW = datetime(2026, 11, 24, 6, 0, 2, 500_000, tzinfo=UTC)


def test_a_release_is_named_after_the_time() -> None:
    assert release_name(NOW, None) == "20261124060002"
    assert release_name(NOW, "20261124055959") == "20261124060002"


def test_a_second_release_within_the_same_second_gets_the_next_one() -> None:
    assert release_name(NOW, "20261124060002") == "20261124060003"
    assert release_name(NOW, "20261124060003") == "20261124060004"  # and after a burst, later still
