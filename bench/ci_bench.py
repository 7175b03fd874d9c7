"""CI figures: webhook -> first step start, per-step overhead, and 100 trivial pipelines on 2 agents.

Run from the repository root::

    .venv/bin/python -m bench.ci_bench [--backend sqlite|postgres] [--pipelines N] [--steps N]

It starts a real `shipyard serve` (tests/support) and real `shipyard agent` processes on a bare
git repository of a `git` forge, and prints:

1. latency from `POST /api/hook` to the first step's `started` (median of 5 pushes, one agent);
2. per-step overhead: a workflow of N `true` steps against the same N commands in one bash script;
3. throughput: N one-step pipelines queued at once on 2 agents of 2 workflows each.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from tests.support.api import admin, client
from tests.support.ci import CI_ENV, Agent, GitRepo, create_agent, wait_pipeline
from tests.support.postgres import PostgresCluster
from tests.support.server import ShipyardServer


@contextlib.contextmanager
def running(backend: str) -> Iterator[ShipyardServer]:
    cluster = PostgresCluster().start() if backend == "postgres" else None
    # The tests' short lease is for the lease tests; a loaded benchmark machine gets the usual one.
    env = {**CI_ENV, "SHIPYARD_CI_LEASE_SECONDS": "60"}
    server = ShipyardServer(cluster.create_database() if cluster else None, env).start()
    try:
        yield server
    finally:
        server.cleanup()
        if cluster:
            cluster.stop()


def hook_url(http: httpx.Client, repo_id: int) -> str:
    script = http.get(f"/api/repos/{repo_id}/hook").text
    match = re.search(r"'(http[^']+)'", script)
    assert match, script
    return match.group(1)


def push_config(repo: GitRepo, config: str, message: str) -> tuple[str, str]:
    before = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo.work, capture_output=True, text=True
    ).stdout
    after = repo.commit({".woodpecker.yaml": config}, message)
    repo.push()
    return before.strip(), after


def latency(http: httpx.Client, url: str, repo: GitRepo, repo_id: int, runs: int = 5) -> list[float]:
    config = "skip_clone: true\nsteps:\n  - name: first\n    image: sh\n    commands: ['true']\n"
    found = []
    for n in range(runs):
        before, after = push_config(repo, config + f"# {n}\n", f"latency {n}")
        sent = time.time()
        response = httpx.post(url, json={"ref": "refs/heads/main", "before": before, "after": after})
        assert response.status_code == 200, response.text
        number = response.json()["number"]
        while True:
            body = http.get(f"/api/repos/{repo_id}/pipelines/{number}").json()
            step = body["workflows"][0]["children"][0] if body["workflows"] else None
            if step and step["started"]:
                found.append(time.time() - sent)  # observed at the first poll that sees it started
                break
            assert body["status"] in ("pending", "running"), body
            time.sleep(0.02)
        wait_pipeline(http, repo_id, number)
    return found


def overhead(http: httpx.Client, url: str, repo: GitRepo, repo_id: int, steps: int) -> tuple[float, float]:
    config = "skip_clone: true\nsteps:\n" + "".join(
        f"  - name: s{n}\n    image: sh\n    commands: ['true']\n" for n in range(steps)
    )
    before, after = push_config(repo, config, "overhead")
    response = httpx.post(url, json={"ref": "refs/heads/main", "before": before, "after": after})
    number = response.json()["number"]
    start = time.monotonic()
    body = wait_pipeline(http, repo_id, number)
    pipeline_seconds = time.monotonic() - start
    assert body["status"] == "success", body
    start = time.monotonic()
    subprocess.run(["bash", "-e", "-c", "\n".join(["true"] * steps)], check=True)
    return pipeline_seconds, time.monotonic() - start


def throughput(http: httpx.Client, url: str, repo: GitRepo, repo_id: int, count: int) -> float:
    config = "skip_clone: true\nsteps:\n  - name: only\n    image: sh\n    commands: ['true']\n"
    before, after = push_config(repo, config, "throughput")
    numbers = []
    start = time.monotonic()
    with httpx.Client(timeout=60) as hooks:
        for _ in range(count):
            response = hooks.post(url, json={"ref": "refs/heads/main", "before": before, "after": after})
            numbers.append(response.json()["number"])
    for number in numbers:
        final = wait_pipeline(http, repo_id, number, timeout=600)
        assert final["status"] == "success", final
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pipelines", type=int, default=100)
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="shipyard-ci-bench-"))
    agents: list[Agent] = []
    try:
        with running(args.backend) as server:
            account = admin(server)
            with client(server, account) as http:
                forge: dict[str, Any] = http.post(
                    "/api/forges", json={"type": "git", "url": str(root)}
                ).json()
                repo = GitRepo(root, "bench", "app")
                repo.commit({"README": "bench\n"}, "initial")
                repo.push()
                body = http.post(
                    "/api/repos", params={"forge_remote_id": repo.remote_id, "forge_id": forge["id"]}
                )
                repo_id = body.json()["id"]
                url = hook_url(http, repo_id)
                for n in range(2):
                    record = create_agent(http, f"bench-{n}")
                    agents.append(
                        Agent(server, record["token"], server.data / f"agent-{n}.log", "--max-workflows", "2")
                    )
                    if n == 0:
                        found = latency(http, url, repo, repo_id)
                        print(
                            f"webhook -> first step started: median {statistics.median(found):.2f} s "
                            f"(runs {', '.join(f'{v:.2f}' for v in found)}; polled every 20 ms)"
                        )
                        pipeline, script = overhead(http, url, repo, repo_id, args.steps)
                        per_step = (pipeline - script) / args.steps
                        print(
                            f"{args.steps} steps: pipeline {pipeline:.2f} s, one bash script {script:.3f} s "
                            f"-> {per_step:.2f} s overhead per step"
                        )
                seconds = throughput(http, url, repo, repo_id, args.pipelines)
                print(
                    f"{args.pipelines} one-step pipelines on 2 agents x 2 workflows: {seconds:.1f} s "
                    f"({args.pipelines / seconds:.2f} pipelines/s) on {args.backend}"
                )
    finally:
        for agent in agents:
            agent.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
