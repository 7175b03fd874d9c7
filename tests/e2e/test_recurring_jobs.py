"""Recurring jobs (the monitor sampling round): one run queued at a time, on their interval, with a
bounded history, and still running after a cancel and after a crash of the server process."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Any

import httpx
import pytest

from tests.conftest import BACKENDS, ServerFactory
from tests.support.api import Account, admin
from tests.support.forge import wait_until
from tests.support.server import ShipyardServer

NAME = "monitors.sample"
KEPT = 10  # finished runs kept (jobs.service.RECURRING_RUNS_KEPT)


def runs(server: ShipyardServer, account: Account) -> list[dict[str, Any]]:
    response = httpx.get(f"{server.url}/api/v1/admin/jobs", headers=account.headers(), params={"limit": 50})
    assert response.status_code == 200, response.text
    return [job for job in response.json() if job["name"] == NAME]


def started(job: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(job["started_at"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_recurring_job_runs_on_its_interval_and_survives_cancel_and_crash(
    start_server: ServerFactory, backend: str
) -> None:
    server = start_server(backend, {"SHIPYARD_MONITOR_INTERVAL": "1", "SHIPYARD_JOB_LEASE_SECONDS": "2"})
    account = admin(server)

    # More runs than are kept: the history stays bounded, and never more than one run is pending.
    def history_full() -> list[dict[str, Any]] | None:
        found = runs(server, account)
        assert sum(job["status"] in ("queued", "running") for job in found) <= 1, found
        done = [job for job in found if job["status"] == "succeeded"]
        return done if len(done) == KEPT else None

    done = wait_until(history_full, 60, f"{KEPT} finished runs", every=0.5)
    wait_until(lambda: min(job["id"] for job in runs(server, account)) > done[-1]["id"], 30, "pruning")
    starts = sorted(started(job) for job in done)
    assert all((b - a).total_seconds() >= 0.9 for a, b in pairwise(starts)), starts
    assert all(job["result"] == {"sampled": [], "missed": []} for job in done)

    # Cancel the queued run: a worker queues a new one within a lease period.
    queued = wait_until(
        lambda: next((j for j in runs(server, account) if j["status"] == "queued"), None), 30, "a queued run"
    )
    cancel = httpx.post(f"{server.url}/api/v1/admin/jobs/{queued['id']}/cancel", headers=account.headers())
    assert cancel.status_code == 200 and cancel.json()["status"] in ("cancelled", "running", "succeeded")
    wait_until(
        lambda: any(j["id"] > queued["id"] and j["status"] == "succeeded" for j in runs(server, account)),
        30,
        "a run after the cancel",
    )

    # A crash of the process that ran the worker: after a restart the runs go on.
    last = max(job["id"] for job in runs(server, account))
    server.kill()
    server.start()
    wait_until(
        lambda: any(j["id"] > last and j["status"] == "succeeded" for j in runs(server, account)),
        60,
        "a run after the restart",
    )
    # Runs are Shipyard's housekeeping, not anybody's change: they stay out of the audit trail.
    audit = httpx.get(
        f"{server.url}/api/v1/admin/audit", headers=account.headers(), params={"limit": 50}
    ).json()
    assert [event["action"] for event in audit if event["action"].startswith("job.")] == ["job.cancel"]
