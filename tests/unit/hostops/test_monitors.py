"""The monitor sample script: valid bash, reads this machine's /proc and df, and its parser."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from shipyard.core.script import parse_result
from shipyard.hostops.monitors import METRICS, parse_sample, render_sample


def test_the_sample_script_reads_this_machine() -> None:
    done = subprocess.run(["bash", "-c", render_sample().body], capture_output=True, text=True, check=True)
    reading = parse_sample(parse_result(done.stdout))
    df = subprocess.run(["df", "-k", "--output=used,avail", "/"], capture_output=True, text=True, check=True)
    used, available = (int(x) for x in df.stdout.splitlines()[-1].split())
    assert abs(reading.disk - used * 100 / (used + available)) < 1
    assert 0 < reading.used_memory < 100 and abs(reading.used_memory + reading.free_memory - 100) < 0.02
    assert reading.cpu_load >= 0
    assert [reading.value(metric) for metric in METRICS] == [
        reading.disk,
        reading.used_memory,
        reading.free_memory,
        reading.cpu_load,
    ]


def test_the_sample_script_passes_shellcheck() -> None:
    assert shutil.which("shellcheck"), (
        "shellcheck is required (Debian package shellcheck; .ci/run installs it)"
    )
    done = subprocess.run(
        ["shellcheck", "-S", "warning", "-s", "bash", "-"],
        input=render_sample().body,
        text=True,
        capture_output=True,
    )
    assert done.returncode == 0, done.stdout


@pytest.mark.parametrize(
    "result",
    [
        {},
        {"disk": 1, "used_memory": 2, "free_memory": 98},
        {"disk": "12", "used_memory": 2, "free_memory": 98, "cpu_load": 1},
        {"disk": True, "used_memory": 2, "free_memory": 98, "cpu_load": 1},
        {"disk": float("nan"), "used_memory": 2, "free_memory": 98, "cpu_load": 1},
    ],
)
def test_a_sample_without_every_metric_is_refused(result: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        parse_sample(result)
