"""When a monitor is OK or ALERT, decided from its server's samples; and how a change is told."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from shipyard.servers.monitors.models import Monitor, MonitorState

LABELS = {
    "disk": "used disk space",
    "used_memory": "used memory",
    "free_memory": "free memory",
    "cpu_load": "CPU load",
}
MEANINGS = {
    "disk": "the share of / that is used (used / (used + available), as df counts it)",
    "used_memory": "the share of memory not available to new work (MemTotal - MemAvailable)",
    "free_memory": "the share of memory available to new work (MemAvailable)",
    "cpu_load": "the 1-minute load average as a share of the CPUs (2.0 on 4 CPUs is 50%)",
}
SIGNS = {"gte": ">=", "lte": "<="}
WORDS = {"gte": "greater than or equal to", "lte": "less than or equal to"}


def holds(operator: str, value: float, threshold: float) -> bool:
    """Whether the monitor's condition is true of one value."""
    return value >= threshold if operator == "gte" else value <= threshold


def next_state(
    state: str, operator: str, threshold: float, window: Sequence[float], watched_whole_window: bool
) -> str:
    """The monitor's state after a new sample.

    `window` is the monitor's metric in every sample of the last `minutes`, oldest first, the new
    sample last. ALERT when the condition held in each of them and the monitor has been watching
    for the whole window; OK as soon as the newest sample no longer meets it; else unchanged.
    """
    if not window or not holds(operator, window[-1], threshold):
        return MonitorState.OK
    if watched_whole_window and all(holds(operator, value, threshold) for value in window):
        return MonitorState.ALERT
    return state


def notice(
    monitor: Monitor, server_name: str, server_ip: str | None, value: float, at: datetime
) -> tuple[str, str]:
    """Subject and body of the e-mail telling `monitor.notify` that the monitor's state changed."""
    label = LABELS[monitor.type]
    condition = f"{SIGNS[monitor.operator]} {monitor.threshold:g}%"
    if monitor.state == MonitorState.ALERT:
        subject = f"[ALERT] {server_name}: {label} is {value:.2f}% ({condition})"
        change = "is now ALERT: its condition held"
    else:
        subject = f"[OK] {server_name}: {label} is back to {value:.2f}%"
        change = "is OK again: its condition no longer holds"
    minutes = f"{monitor.minutes} minute{'s' if monitor.minutes != 1 else ''}"
    body = (
        f"Monitor {monitor.id} on server {server_name} ({server_ip or 'no address'}) {change}.\n"
        "\n"
        f"Metric:    {label}: {MEANINGS[monitor.type]}\n"
        f"Condition: {WORDS[monitor.operator]} {monitor.threshold:g}% for {minutes}\n"
        f"Latest:    {value:.2f}% at {at:%Y-%m-%d %H:%M:%S} UTC\n"
        f"State:     {monitor.state}\n"
        "\n"
        "-- \n"
        "Shipyard\n"
    )
    return subject, body
