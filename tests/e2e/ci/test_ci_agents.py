"""CI agents end to end, on a `git` forge: services of the local backend (background processes of
the workflow, reachable on localhost, gone when it ends) and the best-score choice between two
waiting agents with different labels."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.api import Account, client
from tests.support.ci import (
    Agent,
    hooked_repo,
    log_text,
    newest,
    pids_of,
    start_agent,
    steps,
    wait_pipeline,
)
from tests.support.forge import wait_until
from tests.support.postgres import free_port
from tests.support.server import ShipyardServer

pytestmark = pytest.mark.e2e

SERVICE = """
services:
  - name: web
    image: sh
    commands:
      - echo served > index.txt
      - python3 -m http.server {port} --bind 127.0.0.1
steps:
  - name: fetch
    image: sh
    commands:
      - for n in $(seq 100); do curl -fsS http://127.0.0.1:{port}/index.txt && break; sleep 0.1; done
      - test "$(curl -fsS http://127.0.0.1:{port}/index.txt)" = served
"""


def test_a_service_runs_in_the_background_and_dies_with_the_workflow(
    ci_server: ShipyardServer,
    ci_admin: Account,
    owner: Account,
    git_root: Path,
    forge_id: int,
    agents: list[Agent],
) -> None:
    port = free_port()
    server_command = f"python3 -m http.server {port} --bind 127.0.0.1"
    with client(ci_server, owner) as http:
        repo, body = hooked_repo(http, git_root, forge_id, owner)
        start_agent(ci_server, ci_admin, agents)
        repo.commit({".woodpecker.yaml": SERVICE.format(port=port)}, "a service")
        repo.push()
        number = wait_until(lambda: newest(http, body["id"]), 30, "a pipeline", every=0.2)["number"]
        final = wait_pipeline(http, body["id"], number)
        assert final["status"] == "success", final
        by_name = steps(final)
        assert (
            by_name["woodpecker/web"]["type"] == "service" and by_name["woodpecker/web"]["state"] == "success"
        )
        assert by_name["woodpecker/fetch"]["state"] == "success"
        assert "served" in log_text(http, body["id"], number, by_name["woodpecker/fetch"]["id"])
        assert any(
            "GET /index.txt" in line
            for line in log_text(http, body["id"], number, by_name["woodpecker/web"]["id"])
        )
        # The service was killed with the workflow.
        wait_until(lambda: not pids_of(server_command), 10, "the service to be gone", every=0.1)


ROUTED = """
labels:
  pool: {pool}
steps:
  - name: hello
    image: sh
    commands:
      - echo "$CI_WORKFLOW_NAME in {pool}"
"""


def test_the_best_scoring_waiting_agent_gets_each_workflow(
    ci_server: ShipyardServer,
    ci_admin: Account,
    owner: Account,
    git_root: Path,
    forge_id: int,
    agents: list[Agent],
) -> None:
    with client(ci_server, ci_admin) as admin_http:
        assert admin_http.post("/api/queue/pause").status_code == 204
        try:
            # Both agents can run `pool: gpu` workflows; the one labelled gpu scores 10 on it, `*` 1.
            _, anything = start_agent(
                ci_server, ci_admin, agents, "--label", "pool=*", "--max-workflows", "4"
            )
            _, gpu = start_agent(ci_server, ci_admin, agents, "--label", "pool=gpu", "--max-workflows", "4")
            with client(ci_server, owner) as http:
                repo, body = hooked_repo(http, git_root, forge_id, owner)
                files = {f".woodpecker/gpu{n}.yaml": ROUTED.format(pool="gpu") for n in range(4)}
                repo.commit({**files, ".woodpecker/cpu.yaml": ROUTED.format(pool="cpu")}, "five workflows")
                repo.push()
                number = wait_until(lambda: newest(http, body["id"]), 30, "a pipeline", every=0.2)["number"]
        finally:
            # Both agents wait for work now: the queue hands every workflow to the best of them.
            assert admin_http.post("/api/queue/resume").status_code == 204
    with client(ci_server, owner) as http:
        final = wait_pipeline(http, body["id"], number)
        assert final["status"] == "success", final
        placed = {w["name"]: w["agent_id"] for w in final["workflows"]}
        assert placed == {"cpu": anything, **{f"gpu{n}": gpu for n in range(4)}}, placed
