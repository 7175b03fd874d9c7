"""CI end to end: a bare git repository on a `git` forge, pushes reported by the post-receive hook
script Shipyard prints, real `shipyard agent` processes running the steps (in bubblewrap when the
machine has it), and everything read back through the Woodpecker API."""

from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import jsonschema
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from tests.support.api import Account, admin, client, new_user
from tests.support.ci import (
    CI_ENV,
    Agent,
    alive,
    hooked_repo,
    log_text,
    newest,
    pids_of,
    pipeline,
    start_agent,
    steps,
    wait_pipeline,
    wait_step,
)
from tests.support.forge import wait_until
from tests.support.postgres import free_port
from tests.support.server import ShipyardServer

pytestmark = pytest.mark.e2e

# In configs `$VAR` and `${VAR}` are substituted when the pipeline is compiled; `$$` reaches the shell as `$`.
SECRET = "s3cr3t-" + secrets.token_hex(8)

BUILD = """
steps:
  - name: prepare
    image: sh
    commands:
      - echo "built $CI_COMMIT_SHA" > artifact.txt
      - echo "pipeline $CI_PIPELINE_NUMBER on $CI_COMMIT_BRANCH by $CI_COMMIT_AUTHOR"
  - name: tick
    image: sh
    commands:
      - for i in 1 2 3 4 5; do echo "tick $$i"; sleep 1.5; done
  - name: check
    image: bash
    environment:
      TOKEN:
        from_secret: deploy_token
    commands:
      - cat artifact.txt
      - echo "token is $$TOKEN"
      - test "$$HOME" != /root && test -w "$$HOME" && test "$$PWD" = "$$CI_WORKSPACE"
  - name: flaky
    image: sh
    failure: ignore
    commands:
      - echo "about to fail"
      - exit 3
  - name: after
    image: sh
    commands:
      - echo "still running after an ignored failure"
"""

DAG = """
depends_on: [build]
steps:
  - name: left
    image: sh
    depends_on: []
    commands:
      - touch left.started
      - for i in $(seq 100); do [ -f right.started ] && break; sleep 0.05; done
      - test -f right.started
  - name: right
    image: sh
    depends_on: []
    commands:
      - touch right.started
      - for i in $(seq 100); do [ -f left.started ] && break; sleep 0.05; done
      - test -f left.started
  - name: join
    image: sh
    depends_on: [left, right]
    commands:
      - ls left.started right.started
"""

MATRIX = """
matrix:
  FLAVOR: [vanilla, chocolate]
steps:
  - name: taste
    image: sh
    commands:
      - echo "flavor ${FLAVOR} / $FLAVOR"
"""


def sse_events(response: httpx.Response) -> Iterator[dict[str, str]]:
    event: dict[str, str] = {}
    for line in response.iter_lines():
        if not line:
            if event:
                yield event
            event = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(":")
            event[key] = event.get(key, "") + value.removeprefix(" ")


def test_push_runs_steps_dag_matrix_and_masks_secrets(
    ci_server: ShipyardServer, owner: Account, git_root: Path, forge_id: int, agents: list[Agent]
) -> None:
    with client(ci_server, owner) as http:
        repo, body = hooked_repo(http, git_root, forge_id, owner)
        repo_id = body["id"]
        created = http.post(f"/api/repos/{repo_id}/secrets", json={"name": "DEPLOY_TOKEN", "value": SECRET})
        assert created.status_code == 200, created.text
        assert created.json()["value"] == "" and created.json()["name"] == "deploy_token"

        start_agent(ci_server, admin(ci_server), agents, "--max-workflows", "2")
        sha = repo.commit(
            {".woodpecker/build.yaml": BUILD, ".woodpecker/dag.yaml": DAG, ".woodpecker/matrix.yaml": MATRIX},
            "add CI",
        )
        repo.push()
        first = wait_until(lambda: newest(http, repo_id), 30, "the push to create a pipeline", every=0.2)
        number = first["number"]
        assert first["commit"] == sha and first["event"] == "push" and first["branch"] == "main"

        # Read the `tick` step's log over SSE while it runs (7.5 s: seen running even on a busy machine).
        tick = wait_step(http, repo_id, number, "build/tick", "running")
        with http.stream("GET", f"/api/stream/logs/{repo_id}/{number}/{tick['id']}", timeout=60) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            received: list[dict[str, str]] = []
            state_at_first_line = None
            for event in sse_events(stream):
                received.append(event)
                if state_at_first_line is None and event.get("data", "").startswith("{"):
                    state_at_first_line = steps(pipeline(http, repo_id, number))["build/tick"]["state"]
                if event.get("event") == "eof":
                    break
        assert state_at_first_line == "running"
        lines = [base64.b64decode(json.loads(e["data"])["data"]).decode() for e in received if "id" in e]
        assert [line for line in lines if line.startswith("tick")] == [f"tick {i}" for i in range(1, 6)]
        assert received[-1]["event"] == "eof"

        final = wait_pipeline(http, repo_id, number)
        assert final["status"] == "success", json.dumps(final, indent=1)
        by_name = steps(final)
        assert [by_name[f"build/{s}"]["state"] for s in ("clone", "prepare", "tick", "check", "after")] == [
            "success"
        ] * 5
        assert by_name["build/flaky"]["state"] == "failure" and by_name["build/flaky"]["exit_code"] == 3

        # The DAG workflow waited for `build`; its two parallel steps met each other.
        workflows = {(w["name"], json.dumps(w["environ"])): w for w in final["workflows"]}
        build = workflows[("build", "{}")]
        dag = workflows[("dag", "{}")]
        assert dag["state"] == "success" and dag["started"] >= build["finished"]
        assert {s["name"]: s["state"] for s in dag["children"]} == {
            "clone": "success",
            "left": "success",
            "right": "success",
            "join": "success",
        }
        flavors = sorted(w["environ"]["FLAVOR"] for w in final["workflows"] if w["name"] == "matrix")
        assert flavors == ["chocolate", "vanilla"]
        for workflow in final["workflows"]:
            if workflow["name"] == "matrix":
                taste = next(s for s in workflow["children"] if s["name"] == "taste")
                flavor = workflow["environ"]["FLAVOR"]
                assert f"flavor {flavor} / {flavor}" in log_text(http, repo_id, number, taste["id"])

        # The secret reached the step and is masked in what is stored and served.
        check = log_text(http, repo_id, number, by_name["build/check"]["id"])
        assert "token is ********" in check and f"built {sha}" in check
        assert all(
            SECRET not in line
            for step in by_name.values()
            for line in log_text(http, repo_id, number, step["id"])
        )
        prepare = log_text(http, repo_id, number, by_name["build/prepare"]["id"])
        assert (
            prepare[0] == f'+ echo "built {sha}" > artifact.txt'
        )  # ${VAR}/$VAR: substituted at compile time
        assert f"pipeline {number} on main by Ada Lovelace" in prepare
        download = http.get(f"/api/repos/{repo_id}/logs/{number}/{by_name['build/flaky']['id']}/download")
        assert download.status_code == 200 and "about to fail" in download.text

        # Resume after line 2 with Last-Event-ID: the finished step's stream replays the rest, then eof.
        url = f"/api/stream/logs/{repo_id}/{number}/{tick['id']}"
        with http.stream("GET", url, headers={"Last-Event-ID": "2"}, timeout=30) as stream:
            resumed = list(sse_events(stream))
        assert [int(e["id"]) for e in resumed if "id" in e] == list(range(3, len(lines)))
        assert resumed[-1]["event"] == "eof"

        # Badge and cc.xml are public and show the result.
        guest = httpx.Client(base_url=ci_server.url)
        svg = guest.get(f"/api/badges/{repo_id}/status.svg")
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
        assert ElementTree.fromstring(svg.text).tag.endswith("svg") and "success" in svg.text
        owner_name, name = body["full_name"].split("/")
        assert "success" in guest.get(f"/api/badges/{owner_name}/{name}/status.svg").text
        cc = ElementTree.fromstring(guest.get(f"/api/badges/{repo_id}/cc.xml").text)
        project = cc.find("Project")
        assert project is not None and project.get("lastBuildStatus") == "Success"
        assert project.get("name") == body["full_name"] and project.get("lastBuildLabel") == str(number)

        # The config files are stored with the pipeline.
        configs = http.get(f"/api/repos/{repo_id}/pipelines/{number}/config").json()
        assert (
            base64.b64decode(next(c for c in configs if c["name"].endswith("dag.yaml"))["data"]).decode()
            == DAG
        )
        assert sorted(c["name"] for c in configs) == [
            ".woodpecker/build.yaml",
            ".woodpecker/dag.yaml",
            ".woodpecker/matrix.yaml",
        ]


def _sleeper(seconds: int) -> str:
    return f"""
steps:
  - name: wait
    image: sh
    commands:
      - echo waiting
      - sleep {seconds}
  - name: never
    image: sh
    commands:
      - echo never
"""


def test_cancel_kills_the_running_step(
    ci_server: ShipyardServer, owner: Account, git_root: Path, forge_id: int, agents: list[Agent]
) -> None:
    seconds = 4000 + secrets.randbelow(900)
    with client(ci_server, owner) as http:
        repo, body = hooked_repo(http, git_root, forge_id, owner)
        start_agent(ci_server, admin(ci_server), agents)
        repo.commit({".woodpecker.yaml": _sleeper(seconds)}, "sleep")
        repo.push()
        number = wait_until(lambda: newest(http, body["id"]), 30, "a pipeline", every=0.2)["number"]
        wait_step(http, body["id"], number, "woodpecker/wait", "running")
        pids = wait_until(lambda: pids_of(f"sleep {seconds}"), 30, "the sleep process", every=0.1)

        response = http.post(f"/api/repos/{body['id']}/pipelines/{number}/cancel")
        assert response.status_code == 200, response.text
        final = wait_pipeline(http, body["id"], number)
        assert final["status"] == "killed" and final["cancel_info"]["canceled_by_user"] == owner.name
        by_name = steps(final)
        assert by_name["woodpecker/wait"]["state"] == "killed"
        assert by_name["woodpecker/never"]["state"] == "killed"
        wait_until(lambda: not pids_of(f"sleep {seconds}"), 10, "the sleep process to be gone", every=0.1)
        assert pids and not any(alive(pid) for pid in pids)
        assert http.post(f"/api/repos/{body['id']}/pipelines/{number}/cancel").status_code == 409


def test_crashed_agent_loses_its_workflow_through_the_lease(
    ci_server: ShipyardServer, owner: Account, git_root: Path, forge_id: int, agents: list[Agent]
) -> None:
    seconds = 5000 + secrets.randbelow(900)
    with client(ci_server, owner) as http:
        repo, body = hooked_repo(http, git_root, forge_id, owner)
        agent, agent_id = start_agent(ci_server, admin(ci_server), agents)
        repo.commit({".woodpecker.yaml": _sleeper(seconds)}, "sleep")
        repo.push()
        number = wait_until(lambda: newest(http, body["id"]), 30, "a pipeline", every=0.2)["number"]
        wait_step(http, body["id"], number, "woodpecker/wait", "running")
        crashed_at = time.monotonic()
        agent.crash()

        final = wait_pipeline(http, body["id"], number, timeout=60)
        waited = time.monotonic() - crashed_at
        workflow = final["workflows"][0]
        assert final["status"] == "failure" and workflow["state"] == "failure", final
        assert f"agent {agent_id} stopped renewing its lease" in workflow["error"]
        assert steps(final)["woodpecker/wait"]["state"] == "killed"
        assert waited >= float(CI_ENV["SHIPYARD_CI_LEASE_SECONDS"]) - 2  # the lease ran out first
        if shutil.which("bwrap"):  # sandboxed steps die with their agent
            wait_until(lambda: not pids_of(f"sleep {seconds}"), 10, "the sleep process to be gone", every=0.1)


ROUTED = """
labels:
  pool: {pool}
steps:
  - name: hello
    image: sh
    commands:
      - echo "$CI_WORKFLOW_NAME in {pool}"
"""


def test_two_agents_share_twenty_workflows_by_label(
    ci_server: ShipyardServer,
    ci_admin: Account,
    owner: Account,
    git_root: Path,
    forge_id: int,
    agents: list[Agent],
) -> None:
    with client(ci_server, owner) as http:
        repo, body = hooked_repo(http, git_root, forge_id, owner)
        _, agent_a = start_agent(ci_server, ci_admin, agents, "--label", "pool=a", "--max-workflows", "2")
        _, agent_b = start_agent(ci_server, ci_admin, agents, "--label", "pool=b", "--max-workflows", "2")
        files = {f".woodpecker/w{n:02d}.yaml": ROUTED.format(pool="ab"[n % 2]) for n in range(20)}
        repo.commit(files, "twenty workflows")
        repo.push()
        number = wait_until(lambda: newest(http, body["id"]), 30, "a pipeline", every=0.2)["number"]
        try:
            final = wait_pipeline(http, body["id"], number, timeout=180)
        except AssertionError as exc:  # say what the agents and the server were doing
            server_log = ci_server.log.read_text(errors="replace").splitlines()[-60:]
            reports = "\n".join(agent.report() for agent in agents)
            raise AssertionError(f"{exc}\n{reports}\nserver:\n" + "\n".join(server_log)) from None
        assert final["status"] == "success"
        assert len(final["workflows"]) == 20
        for workflow in final["workflows"]:
            pool = "ab"[int(workflow["name"][1:]) % 2]
            assert workflow["agent_id"] == (agent_a if pool == "a" else agent_b), workflow
        assert {w["agent_id"] for w in final["workflows"]} == {agent_a, agent_b}
    with client(ci_server, ci_admin) as http:
        # Both agents' two runners each wait for work again (Woodpecker's idle workers).
        info = wait_until(
            lambda: (i := http.get("/api/queue/info").json())["stats"]["worker_count"] >= 4 and i,
            30,
            "four idle runners",
            every=0.2,
        )
        assert info["paused"] is False
        tasks = http.get(f"/api/agents/{agent_a}/tasks")
        assert tasks.status_code == 200 and tasks.json() == []


def test_errors_skips_approval_and_permissions(
    ci_server: ShipyardServer, ci_admin: Account, owner: Account, git_root: Path, forge_id: int
) -> None:
    with client(ci_server, owner) as http:
        repo, body = hooked_repo(http, git_root, forge_id, owner)
        repo_id = body["id"]

        repo.commit(
            {".woodpecker.yaml": "steps:\n  - name: a\n    image: sh\n    comands: ['true']\n"}, "typo"
        )
        repo.push()
        first = wait_until(lambda: newest(http, repo_id), 30, "a pipeline", every=0.2)
        assert first["status"] == "error" and first["started"] == first["finished"] > 0
        assert first["errors"][0]["type"] == "linter" and "comands" in first["errors"][0]["message"]

        secret_ref = (
            'steps:\n  - name: a\n    image: sh\n    commands: ["true"]\n'
            "    environment:\n      X:\n        from_secret: missing_one\n"
        )
        repo.commit({".woodpecker.yaml": secret_ref}, "needs a secret")
        repo.push()
        second = wait_until(
            lambda: (p := newest(http, repo_id)) and p["number"] > first["number"] and p, 30, "p2"
        )
        assert second["status"] == "error"
        assert second["errors"] == [
            {
                "type": "compiler",
                "is_warning": False,
                "data": second["errors"][0]["data"],
                "message": '.woodpecker.yaml: secret "missing_one" not found',
            }
        ]

        good = "steps:\n  - name: a\n    image: sh\n    commands: [echo ok]\n"
        skipped_sha = repo.commit({".woodpecker.yaml": good}, "quiet change [CI SKIP]")
        repo.push()
        patch = http.patch(f"/api/repos/{repo_id}", json={"require_approval": "all_events"})
        assert patch.status_code == 200 and patch.json()["require_approval"] == "all_events"
        repo.commit({"notes.txt": "x"}, "needs approval")
        repo.push()
        blocked = wait_until(
            lambda: (p := newest(http, repo_id)) and p["number"] > second["number"] and p, 30, "p3"
        )
        assert blocked["number"] == second["number"] + 1 and blocked["commit"] != skipped_sha
        assert blocked["status"] == "blocked"
        assert http.post(f"/api/repos/{repo_id}/pipelines/{blocked['number']}").status_code == 409
        declined = http.post(f"/api/repos/{repo_id}/pipelines/{blocked['number']}/decline")
        assert declined.status_code == 200 and declined.json()["status"] == "declined"
        assert declined.json()["reviewed_by"] == owner.name

        rerun = http.post(f"/api/repos/{repo_id}/pipelines/{first['number']}", params={"REASON": "again"})
        assert rerun.status_code == 200, rerun.text
        assert rerun.json()["parent"] == first["number"] and rerun.json()["rerun_count"] == 1
        assert rerun.json()["variables"] == {"REASON": "again"} and rerun.json()["status"] == "error"

        repo.commit({"notes.txt": "y"}, "needs approval too")
        repo.push()
        again = wait_until(
            lambda: (p := newest(http, repo_id)) and p["number"] > rerun.json()["number"] and p, 30, "p5"
        )
        assert again["status"] == "blocked"
        approved = http.post(f"/api/repos/{repo_id}/pipelines/{again['number']}/approve")
        assert approved.status_code == 200 and approved.json()["status"] == "pending"
        assert http.post(f"/api/repos/{repo_id}/pipelines/{again['number']}/cancel").status_code == 200
        assert pipeline(http, repo_id, again["number"])["status"] == "canceled"  # nothing had started

        manual = http.post(
            f"/api/repos/{repo_id}/pipelines", json={"branch": "main", "variables": {"K": "v"}}
        )
        assert manual.status_code == 200, manual.text
        assert (
            manual.json()["status"] == "pending" and manual.json()["event"] == "manual"
        )  # never needs approval
        assert (
            http.post(f"/api/repos/{repo_id}/pipelines/{manual.json()['number']}/cancel").status_code == 200
        )

        perms = http.get(f"/api/repos/{repo_id}/permissions").json()
        assert (perms["pull"], perms["push"], perms["admin"]) == (True, True, True)
        lookup = http.get(f"/api/repos/lookup/{body['full_name']}")
        assert lookup.status_code == 200 and lookup.json()["id"] == repo_id
        encoded = http.get(f"/api/repos/lookup/{body['full_name'].replace('/', '%2F')}")
        assert encoded.status_code == 200 and encoded.json()["id"] == repo_id
        assert http.get(f"/api/repos/{repo_id}/branches").json() == ["main"]

    stranger = new_user(ci_server, ci_admin)
    with client(ci_server, stranger) as http:
        assert http.get(f"/api/repos/{repo_id}").status_code == 404
        assert http.get(f"/api/repos/{repo_id}/pipelines").status_code == 404
        assert http.post(f"/api/repos/{repo_id}/pipelines", json={}).status_code == 404
    with httpx.Client(base_url=ci_server.url) as guest:
        assert guest.get(f"/api/repos/{repo_id}").status_code == 401
        assert guest.get(f"/api/repos/{repo_id}/pipelines").status_code == 401


CRON_CONFIG = """
when:
  - event: cron
    cron: nightly-*
steps:
  - name: report
    image: sh
    commands:
      - echo "cron $CI_PIPELINE_EVENT"
"""


def test_cron_fires_once_per_due_time_across_two_servers(
    ci_server: ShipyardServer, owner: Account, git_root: Path, forge_id: int
) -> None:
    second_port = free_port()
    second = ci_server.spawn("serve", "--host", "127.0.0.1", "--port", str(second_port))
    try:
        wait_until(lambda: _healthy(second_port), 60, "a second server on the same database", every=0.2)
        with client(ci_server, owner) as http:
            repo, body = hooked_repo(http, git_root, forge_id, owner)
            repo_id = body["id"]
            repo.commit({".woodpecker.yaml": CRON_CONFIG}, "cron config")
            repo.push()
            bad = http.post(f"/api/repos/{repo_id}/cron", json={"name": "x", "schedule": "every day"})
            assert bad.status_code == 422
            created = http.post(
                f"/api/repos/{repo_id}/cron",
                json={"name": "nightly-build", "schedule": "@every 2s", "variables": {"FROM": "cron"}},
            )
            assert created.status_code == 200, created.text
            cron = created.json()
            assert cron["next_exec"] > time.time() and cron["branch"] == "" and cron["enabled"] is True

            wait_until(lambda: len(_cron_pipelines(http, repo_id)) >= 3, 30, "three cron runs", every=0.2)
            patched = http.patch(f"/api/repos/{repo_id}/cron/{cron['id']}", json={"enabled": False})
            assert patched.status_code == 200 and patched.json()["enabled"] is False
            fired = _cron_pipelines(http, repo_id)
            times = sorted(p["created"] for p in fired)
            assert all(b - a >= 1 for a, b in itertools.pairwise(times)), times  # never twice per due time
            assert all(p["cron"] == "nightly-build" and p["variables"] == {"FROM": "cron"} for p in fired)
            assert fired[0]["status"] in ("pending", "running", "success")

            now = http.post(f"/api/repos/{repo_id}/cron/{cron['id']}")
            assert now.status_code == 200 and now.json()["event"] == "cron"
            assert http.delete(f"/api/repos/{repo_id}/cron/{cron['id']}").status_code == 204
            assert http.get(f"/api/repos/{repo_id}/cron/{cron['id']}").status_code == 404
    finally:
        second.terminate()
        second.wait(timeout=15)


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 204
    except httpx.TransportError:
        return False


def _cron_pipelines(http: httpx.Client, repo_id: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = http.get(f"/api/repos/{repo_id}/pipelines", params={"event": "cron"}).json()
    return rows


SPEC = json.loads((Path(__file__).parents[2] / "support" / "woodpecker-openapi.json").read_text())


def _spec_schema(path: str) -> dict[str, Any] | None:
    """The 200 schema of `GET path`, with the spec's definitions, the notes' errata (Go's []byte
    fields, LogEntry.data and Config.data, are base64 strings in real JSON) and the `git` forge type."""
    schema = SPEC["paths"][path]["get"]["responses"].get("200", {}).get("schema")
    # The annotations say lists; Woodpecker's handlers return the one Org and OrgPerm.
    schema = {
        "/orgs/{org_id}": {"$ref": "#/definitions/Org"},
        "/orgs/{org_id}/permissions": {"$ref": "#/definitions/OrgPerm"},
    }.get(path, schema)
    if schema is None:
        return None
    definitions = json.loads(json.dumps(SPEC["definitions"]))
    definitions["LogEntry"]["properties"]["data"] = {"type": "string"}
    definitions["Config"]["properties"]["data"] = {"type": "string"}
    definitions["model.ForgeType"]["enum"].append("git")  # Shipyard's forge type without a service
    definitions["metadata.Event"]["enum"].append("")  # `prev` of a first pipeline is empty, as in Go
    return {**schema, "definitions": definitions}


def test_responses_match_the_spec_definitions(
    ci_server: ShipyardServer, ci_admin: Account, git_root: Path, forge_id: int, agents: list[Agent]
) -> None:
    """Every GET of the spec that answers JSON, called with real ids, is valid against its schema."""
    with client(ci_server, ci_admin) as http:
        repo, body = hooked_repo(http, git_root, forge_id, ci_admin)
        repo_id = body["id"]
        _, agent_id = start_agent(ci_server, ci_admin, agents)
        repo.commit(
            {".woodpecker.yaml": "steps:\n  - name: a\n    image: sh\n    commands: [echo hi]\n"}, "spec"
        )
        repo.push()
        number = wait_until(lambda: newest(http, repo_id), 30, "a pipeline", every=0.2)["number"]
        final = wait_pipeline(http, repo_id, number)
        step_id = final["workflows"][0]["children"][-1]["id"]
        for path, payload in (
            (f"/api/repos/{repo_id}/secrets", {"name": "s1", "value": "v"}),
            (f"/api/orgs/{body['org_id']}/secrets", {"name": "s2", "value": "v"}),
            ("/api/secrets", {"name": "s3-" + secrets.token_hex(3), "value": "v"}),
            (
                f"/api/repos/{repo_id}/registries",
                {"address": "r1.example.test", "username": "u", "password": "p"},
            ),
            (f"/api/orgs/{body['org_id']}/registries", {"address": "r2.example.test", "password": "p"}),
            ("/api/registries", {"address": f"r{secrets.token_hex(3)}.example.test", "password": "p"}),
            (f"/api/repos/{repo_id}/cron", {"name": "c1", "schedule": "@daily"}),
        ):
            assert http.post(path, json=payload).status_code == 200, path
        cron_id = http.get(f"/api/repos/{repo_id}/cron").json()[0]["id"]
        global_secret = http.get("/api/secrets").json()[0]["name"]
        global_registry = http.get("/api/registries").json()[0]["address"]
        values = {
            "repo_id": repo_id,
            "pipeline_number": number,
            "pipeline": number,
            "step_id": step_id,
            "org_id": body["org_id"],
            "agent_id": agent_id,
            "forge_id": forge_id,
            "login": ci_admin.name,
            "secretName": "s1",
            "cron": cron_id,
            "repo_full_name": body["full_name"],
            "org_full_name": body["owner"],
        }
        checked = []
        for path, item in SPEC["paths"].items():
            if "get" not in item or path.startswith(("/debug", "/stream", "/queue/norunning")):
                continue
            url = path
            for name, value in values.items():
                url = url.replace("{" + name + "}", str(value))
            if "/secrets/{secret}" in url:
                url = url.replace("{secret}", "s2" if "/orgs/" in url else global_secret)
            if "/registries/{registry}" in url:
                url = url.replace("{registry}", "r2.example.test" if "/orgs/" in url else global_registry)
            if "/repos/" in url and "/registries/" in url:
                url = url.replace(global_registry, "r1.example.test")
            assert "{" not in url, url
            # The spec puts /healthz and /version under /api; the real server has them at the root.
            response = http.get(url if url in ("/healthz", "/version") else "/api" + url)
            assert response.status_code in (200, 204), f"{url}: {response.status_code} {response.text}"
            schema = _spec_schema(path)
            if schema is None or not response.headers.get("content-type", "").startswith("application/json"):
                continue
            errors = [e.message for e in jsonschema.Draft4Validator(schema).iter_errors(response.json())]
            assert not errors, f"GET {url}: {errors[:3]}"
            checked.append(path)
        assert len(checked) >= 44, checked

    pem = httpx.get(f"{ci_server.url}/api/signature/public-key").text
    assert isinstance(serialization.load_pem_public_key(pem.encode()), Ed25519PublicKey)


def test_admin_endpoints_users_agents_queue_secrets(
    ci_server: ShipyardServer, ci_admin: Account, owner: Account, git_root: Path, forge_id: int
) -> None:
    login = "wp" + secrets.token_hex(4)
    with client(ci_server, ci_admin) as http:
        created = http.post("/api/users", json={"login": login, "email": f"{login}@example.test"})
        assert (
            created.status_code == 200
            and created.json()["login"] == login
            and created.json()["admin"] is False
        )
        patched = http.patch(f"/api/users/{login}", json={"admin": True})
        assert patched.status_code == 200 and patched.json()["admin"] is True
        assert http.delete(f"/api/users/{ci_admin.name}").status_code == 409
        assert http.delete(f"/api/users/{login}").status_code == 204
        assert http.get(f"/api/users/{login}").status_code == 404

        agent = http.post("/api/agents", json={"name": "spare", "custom_labels": {"gpu": "yes"}}).json()
        assert len(agent["token"]) >= 32 and agent["org_id"] == -1
        renamed = http.patch(f"/api/agents/{agent['id']}", json={"name": "renamed", "no_schedule": True})
        assert renamed.json()["name"] == "renamed" and renamed.json()["no_schedule"] is True
        assert http.delete(f"/api/agents/{agent['id']}").status_code == 200
        assert http.get(f"/api/agents/{agent['id']}").status_code == 404

        assert http.post("/api/queue/pause").status_code == 204
        assert http.get("/api/queue/info").json()["paused"] is True
        assert http.post("/api/queue/resume").status_code == 204
        assert http.get("/api/queue/info").json()["paused"] is False
        assert http.get("/api/queue/norunningpipelines", timeout=30).status_code == 204
        metrics = http.get("/metrics")
        assert metrics.status_code == 200 and "# TYPE woodpecker_pipeline_count gauge" in metrics.text
        assert re.search(r"^woodpecker_user_count [1-9]", metrics.text, re.MULTILINE)
        assert http.get("/api/debug/pprof/heap").status_code == 404  # Go's profiler: not in Python
        assert http.post("/api/log-level", json={"log-level": "debug"}).json() == {"log-level": "debug"}
        assert http.get("/api/log-level").json() == {"log-level": "debug"}

        forge = http.post(
            "/api/forges",
            json={
                "type": "gitea",
                "url": "https://gitea.example.test",
                "client": "cid",
                "oauth_client_secret": "shh",
            },
        ).json()
        assert forge["client"] == "cid" and "oauth_client_secret" not in forge
        assert http.post("/api/forges", json={"type": "git", "url": "relative/path"}).status_code == 422

    with client(ci_server, owner) as http:
        assert http.get("/api/agents").status_code == 403
        assert http.get("/metrics").status_code == 403
        assert http.get(f"/api/forges/{forge['id']}").json()["client"] == ""  # not for non-admins
        assert http.post("/api/secrets", json={"name": "g", "value": "v"}).status_code == 403
        assert http.get("/api/user").json()["login"] == owner.name
        token = http.post("/api/user/token")
        assert token.status_code == 200
        me = httpx.get(f"{ci_server.url}/api/user", headers={"Authorization": f"Bearer {token.text}"})
        assert me.status_code == 200 and me.json()["login"] == owner.name

        repo, body = hooked_repo(http, git_root, forge_id, owner)
        assert (
            http.post(f"/api/repos?forge_remote_id={repo.remote_id}&forge_id={forge_id}").status_code == 409
        )
        path = f"/api/repos/{body['id']}/secrets"
        assert (
            http.post(path, json={"name": "Api_Key", "value": "one", "events": ["push"]}).status_code == 200
        )
        assert (
            http.post(path, json={"name": "API_KEY", "value": "two"}).status_code == 409
        )  # case-insensitive
        updated = http.patch(f"{path}/API_KEY", json={"value": "three", "events": ["tag"]})
        assert (
            updated.status_code == 200
            and updated.json()["events"] == ["tag"]
            and updated.json()["value"] == ""
        )
        assert http.delete(f"{path}/api_key").status_code == 204
        assert http.get(path).json() == []

        gone = http.delete(f"/api/repos/{body['id']}")
        assert gone.status_code == 200 and gone.json()["active"] is False
        assert http.delete(f"/api/repos/{body['id']}", params={"remove": "true"}).status_code == 200
        assert http.get(f"/api/repos/{body['id']}").status_code == 404


def test_failure_cancel_and_superseded_pipelines(
    ci_server: ShipyardServer,
    ci_admin: Account,
    owner: Account,
    git_root: Path,
    forge_id: int,
    agents: list[Agent],
) -> None:
    seconds = 6000 + secrets.randbelow(900)
    with client(ci_server, owner) as http:
        repo, body = hooked_repo(http, git_root, forge_id, owner)
        repo_id = body["id"]
        start_agent(ci_server, ci_admin, agents, "--max-workflows", "2")
        slow = f"skip_clone: true\nsteps:\n  - name: nap\n    image: sh\n    commands: ['sleep {seconds}']\n"
        boom = (
            "skip_clone: true\nsteps:\n  - name: wait\n    image: sh\n    commands: ['sleep 1']\n"
            "  - name: boom\n    image: sh\n    failure: cancel\n    commands: ['exit 1']\n"
        )
        repo.commit({".woodpecker/slow.yaml": slow, ".woodpecker/boom.yaml": boom}, "cancel on failure")
        repo.push()
        number = wait_until(lambda: newest(http, repo_id), 30, "a pipeline", every=0.2)["number"]
        final = wait_pipeline(http, repo_id, number)
        assert final["status"] == "killed" and final["cancel_info"]["canceled_by_step"] == "boom", final
        assert (
            steps(final)["slow/nap"]["state"] == "killed" and steps(final)["boom/boom"]["state"] == "failure"
        )
        wait_until(lambda: not pids_of(f"sleep {seconds}"), 10, "the nap to end", every=0.1)

        assert (
            http.patch(
                f"/api/repos/{repo_id}", json={"cancel_previous_pipeline_events": ["push"]}
            ).status_code
            == 200
        )
        repo.commit({".woodpecker/boom.yaml": None}, "only the nap")
        repo.push()
        older = wait_until(lambda: (p := newest(http, repo_id)) and p["number"] > number and p, 30, "p2")
        wait_step(http, repo_id, older["number"], "slow/nap", "running")
        repo.commit({"more.txt": "x"}, "a newer push")
        repo.push()
        newer = wait_until(
            lambda: (p := newest(http, repo_id)) and p["number"] > older["number"] and p, 30, "p3"
        )
        superseded = wait_pipeline(http, repo_id, older["number"])
        assert (
            superseded["status"] == "killed" and superseded["cancel_info"]["superseded_by"] == newer["number"]
        )
        assert http.post(f"/api/repos/{repo_id}/pipelines/{newer['number']}/cancel").status_code == 200
        assert wait_pipeline(http, repo_id, newer["number"])["status"] in ("killed", "canceled")
