"""The durable job engine with real processes: crashes, leases, retries, one job per resource."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import BACKENDS, ServerFactory
from tests.support.api import admin
from tests.support.server import ShipyardServer

JOB_ENV = {"SHIPYARD_JOB_MODULES": '["tests.support.jobs"]', "SHIPYARD_JOB_LEASE_SECONDS": "2"}


def wait_for(condition: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def enqueue(server: ShipyardServer, name: str, resource: str | None = None, **args: Any) -> int:
    extra = ["--resource", resource] if resource else []
    return int(server.cli("jobs", "enqueue", name, "--args", json.dumps(args), *extra).stdout.strip())


def show(server: ShipyardServer, job_id: int) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(server.cli("jobs", "show", str(job_id)).stdout)
    return result


def finished(server: ShipyardServer, job_id: int) -> dict[str, Any] | None:
    job = show(server, job_id)
    return job if job["status"] in ("succeeded", "failed", "cancelled") else None


def trace(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def start_with_workers(
    start_server: ServerFactory, backend: str, workers: int
) -> tuple[ShipyardServer, list[subprocess.Popen[bytes]]]:
    """SQLite: the server runs the worker itself. PostgreSQL: `shipyard worker` processes do."""
    if backend == "sqlite":
        return start_server(backend, JOB_ENV), []
    server = start_server(backend, {**JOB_ENV, "SHIPYARD_RUN_WORKER": "false"})
    return server, [server.spawn("worker") for _ in range(workers)]


def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_killed_worker_leaves_the_job_to_be_retried(
    start_server: ServerFactory, backend: str, tmp_path: Path
) -> None:
    server, workers = start_with_workers(start_server, backend, workers=2)
    marker = tmp_path / "trace"
    try:
        job_id = enqueue(server, "test.retryable", path=str(marker), first_attempt_seconds=600)
        started = wait_for(lambda: [line for line in trace(marker) if line.startswith("start")], what="start")
        pid = int(started[0].rsplit("pid=", 1)[1])
        # Crash whichever process holds the job: the server itself on SQLite, a worker on PostgreSQL.
        if backend == "sqlite":
            assert server.process is not None and server.process.pid == pid
            server.kill()
            assert show(server, job_id)["status"] == "running"  # the crash left it claimed...
            server.start()
        else:
            victim = next(w for w in workers if w.pid == pid)
            victim.kill()
            victim.wait()
        job = wait_for(
            lambda: finished(server, job_id), what="the job to finish"
        )  # ...until the lease ran out
        assert job["status"] == "succeeded", job
        assert job["attempts"] == 2
        assert any("lease expired" in line and "retrying" in line for line in job["logs"])
        assert trace(marker)[-1] == "end job attempt=2"
    finally:
        stop_all(workers)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_non_idempotent_job_fails_instead_of_rerunning(
    start_server: ServerFactory, backend: str, tmp_path: Path
) -> None:
    server, workers = start_with_workers(start_server, backend, workers=1)
    marker = tmp_path / "trace"
    try:
        job_id = enqueue(server, "test.once", path=str(marker), first_attempt_seconds=600)
        wait_for(lambda: trace(marker), what="start")
        if backend == "sqlite":
            server.kill()
            server.start()
        else:
            stop_all(workers)
            workers = [server.spawn("worker")]
        job = wait_for(lambda: finished(server, job_id), what="the job to fail")
        assert job["status"] == "failed"
        assert "lease expired" in job["error"]
        assert [line.split(" pid=")[0] for line in trace(marker)] == ["start job attempt=1"]
        # The failure is in the audit trail.
        events = httpx.get(f"{server.url}/api/v1/admin/audit", headers=admin(server).headers()).json()
        assert any(e["action"] == "job.failed" and e["subject"] == f"job:{job_id}" for e in events)
    finally:
        stop_all(workers)


@pytest.mark.parametrize("backend", BACKENDS)
def test_jobs_on_one_resource_run_one_at_a_time_in_order(
    start_server: ServerFactory, backend: str, tmp_path: Path
) -> None:
    server, workers = start_with_workers(start_server, backend, workers=2)
    marker = tmp_path / "trace"
    try:

        def chain(i: int) -> int:
            return enqueue(
                server,
                "test.retryable",
                resource="site:1",
                path=str(marker),
                label=f"s{i}",
                first_attempt_seconds=1.5,
            )

        ids = [chain(0), chain(1)]
        other = enqueue(
            server,
            "test.retryable",
            resource="site:2",
            path=str(marker),
            label="other",
            first_attempt_seconds=0.1,
        )
        ids += [chain(2), chain(3)]
        for job_id in [*ids, other]:
            assert (
                wait_for(lambda j=job_id: finished(server, j), what=f"job {job_id}")["status"] == "succeeded"
            )
        lines = [line.split(" attempt")[0] for line in trace(marker)]
        same = [line for line in lines if "other" not in line]
        assert same == [f"{edge} s{i}" for i in range(4) for edge in ("start", "end")]
        # A job on another resource did not wait for them.
        assert lines.index("start other") < lines.index("end s3")
    finally:
        stop_all(workers)


def test_a_failed_attempt_resumes_after_its_checkpoint(start_server: ServerFactory, tmp_path: Path) -> None:
    server = start_server("sqlite", JOB_ENV)
    marker = tmp_path / "trace"
    job_id = enqueue(server, "test.flaky", path=str(marker))
    job = wait_for(lambda: finished(server, job_id), what="the job to finish")
    assert job["status"] == "succeeded" and job["attempts"] == 2
    assert trace(marker) == ["provision attempt=1", "finish attempt=2"]
    assert any("RuntimeError: the host went away" in line for line in job["logs"])
