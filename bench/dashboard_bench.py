"""How fast the dashboard's heaviest pages answer, with a realistic amount of data behind them.

Run from the repository root::

    .venv/bin/python -m bench.dashboard_bench [--backend sqlite|postgres] [--servers N] [--pipelines N]

It starts a real `shipyard serve` (tests/support), adds N custom servers (default 100; not
provisioned: no host is needed) and a `git` forge repository with N pipelines (default 500, pushed
through the webhook, left pending: no agent runs them), signs in through the login form as a
browser does, and prints for each page the time to the first byte and to the whole HTML (p50 and
p90 of 20 loads, one at a time, with the session cookie): the servers list, the repository's
pipeline list (the newest page of 20 out of N) and the newest pipeline's page. Static files are
not counted (they are cached by the browser after the first page).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from tests.support.api import admin, client
from tests.support.ci import GitRepo

from bench.ci_bench import hook_url, push_config, running

LOADS = 20
CONFIG = "skip_clone: true\nsteps:\n  - name: only\n    image: sh\n    commands: ['true']\n"


def timed(browser: httpx.Client, path: str) -> tuple[float, float]:
    """Seconds to the first byte and to the whole body of one GET."""
    start = time.perf_counter()
    with browser.stream("GET", path) as response:
        first = time.perf_counter() - start
        response.read()
        whole = time.perf_counter() - start
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}")
    return first, whole


def report(name: str, samples: list[tuple[float, float]]) -> None:
    def p(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=10)[q - 1] * 1000 if len(values) > 1 else values[0] * 1000

    firsts, wholes = [s[0] for s in samples], [s[1] for s in samples]
    print(
        f"{name:<38} first byte p50 {p(firsts, 5):6.1f} ms p90 {p(firsts, 9):6.1f} ms | "
        f"whole page p50 {p(wholes, 5):6.1f} ms p90 {p(wholes, 9):6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--servers", type=int, default=100)
    parser.add_argument("--pipelines", type=int, default=500)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="shipyard-dashboard-bench-"))
    with running(args.backend) as server:
        account = admin(server)
        with client(server, account) as http:
            for n in range(args.servers):
                created = http.post(
                    "/api/v1/servers",
                    json={
                        "provider": "custom",
                        "name": f"web-{n}",
                        "ip_address": f"10.77.{n // 250}.{n % 250 + 1}",
                    },
                )
                assert created.status_code == 200, created.text
            forge = http.post("/api/forges", json={"type": "git", "url": str(root)}).json()
            repo = GitRepo(root, "bench", "app")
            repo.commit({"README": "bench\n"}, "initial")
            repo.push()
            repo_id = http.post(
                "/api/repos", params={"forge_remote_id": repo.remote_id, "forge_id": forge["id"]}
            ).json()["id"]
            url = hook_url(http, repo_id)
            before, after = push_config(repo, CONFIG, "bench")
            number = 0
            with httpx.Client(timeout=60) as hooks:
                for _ in range(args.pipelines):
                    sent = hooks.post(url, json={"ref": "refs/heads/main", "before": before, "after": after})
                    assert sent.status_code == 200, sent.text
                    number = sent.json()["number"]
        with httpx.Client(base_url=server.url, timeout=60) as browser:
            signed_in = browser.post("/login", data={"username": account.name, "password": account.password})
            assert signed_in.status_code == 303, signed_in.text
            pages = {
                f"servers list ({args.servers} servers)": "/servers",
                f"pipelines of a repo ({args.pipelines})": f"/ci/repos/{repo_id}",
                "a pipeline's page": f"/ci/repos/{repo_id}/pipelines/{number}",
            }
            print(f"{args.backend}: {LOADS} loads each, one at a time")
            for name, path in pages.items():
                timed(browser, path)  # warm: templates compiled, connections pooled
                report(name, [timed(browser, path) for _ in range(LOADS)])


if __name__ == "__main__":
    main()
