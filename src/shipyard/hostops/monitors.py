"""The reading behind server monitors: one script that prints every metric, and its parser."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from shipyard.core.script import Script
from shipyard.hostops.render import script

# Forge's monitor types, each a percentage read on the host.
METRICS = ("disk", "used_memory", "free_memory", "cpu_load")


@dataclass(frozen=True)
class Reading:
    """Percentages: used disk space of /, used and free memory, 1-minute load per CPU."""

    disk: float
    used_memory: float
    free_memory: float
    cpu_load: float

    def value(self, metric: str) -> float:
        """The reading of one of METRICS."""
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}")
        value: float = getattr(self, metric)
        return value


def render_sample() -> Script:
    """Reads /proc and df only: nothing to install, nothing changed."""
    return script("monitor-sample", "monitors_sample.sh.j2")


def parse_sample(result: dict[str, Any]) -> Reading:
    """The reading in a sample script's SHIPYARD_RESULT; ValueError if a metric is missing or not a number."""
    values: dict[str, float] = {}
    for metric in METRICS:
        value = result.get(metric)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"the sample has no {metric} value: {result!r}")
        values[metric] = float(value)
    return Reading(**values)
