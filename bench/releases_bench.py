"""What a zero-downtime deployment costs through Shipyard, next to the same commands by hand.

Run from the repository root, as root (the test hosts need it)::

    .venv/bin/python -m bench.releases_bench [--runs N] [--hosts N]

Boots N web hosts (default 4; nginx, PHP-FPM, git and a `deploy` user, as the tests set them
up; slot SHIPYARD_TEST_HOST_SLOT, default 0: use another slot while a test session runs) and a
bare repository on this machine served by `git daemon`. For 1 host and then for N hosts it
prints, p50 (and p90) over the runs, with a new commit pushed (untimed) before each:

1. through Shipyard: from `POST /api/projects/{id}/deployments` until the deployment is
   `finished` (polled every 50 ms) for a project with those hosts attached: resolve the commit,
   clone it into a new release on every host, link `.env`, swap `current` on all at once,
   reload PHP-FPM, purge;
2. by hand: the same commands, one SSH session per host, all hosts in parallel: `git clone
   --no-checkout` + `git checkout --detach <commit>` into a new release directory, `rm -rf .git`,
   `ln -s` of `.env`, `ln -sfn` + `mv -T` over `current`, `systemctl reload php8.2-fpm`.

The difference is what Shipyard adds: the durable job, `git ls-remote` to pin the commit,
staging each step as a script over a pooled connection, the per-step processes with their
output, the barrier between building and activating, and the purge.
"""

from __future__ import annotations

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from tests.support.api import admin, client, new_user
from tests.support.forge import wait_until
from tests.support.hosts import Host, HostPool
from tests.support.releases import FPM, GitRepository, Project, web_hosts
from tests.support.server import ShipyardServer

HAND = "/root/hand"


def deploy_through_api(http: httpx.Client, project: Project) -> float:
    started = time.monotonic()
    deployment_id = project.deploy()
    ended = ("finished", "failed", "cancelled")
    done = wait_until(
        lambda: (d := project.deployment(deployment_id))["status"] in ended and d, 300, "the deployment", 0.05
    )
    elapsed = time.monotonic() - started
    if done["status"] != "finished":
        raise SystemExit(f"the deployment {done['status']}: {done['reason']}")
    return elapsed


def by_hand_command(repo: GitRepository, commit: str, release: str) -> str:
    target = f"{HAND}/releases/{release}"
    return (
        f"set -e; mkdir -p {HAND}/releases; touch {HAND}/.env; "
        f"git clone --quiet --no-checkout {repo.url} {target}; "
        f"git -C {target} checkout --quiet --detach {commit}; rm -rf {target}/.git; "
        f"ln -sfn {HAND}/.env {target}/.env; ln -sfn {target} {HAND}/.current-new; "
        f"mv -T {HAND}/.current-new {HAND}/current; systemctl reload {FPM}"
    )


def deploy_by_hand(hosts: list[Host], repo: GitRepository, commit: str, release: str) -> float:
    command = by_hand_command(repo, commit, release)
    started = time.monotonic()
    with ThreadPoolExecutor(len(hosts)) as pool:
        list(pool.map(lambda host: host.ssh(command, timeout=300), hosts))
    return time.monotonic() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(
    http: httpx.Client, repo: GitRepository, hosts: list[Host], runs: int
) -> tuple[list[float], list[float]]:
    """(through Shipyard, by hand) wall times over `runs` deployments to `hosts`."""
    project = Project(http, repo, hosts, retain_deployments=3)
    api: list[float] = []
    hand: list[float] = []
    for run in range(runs):
        repo.commit(f"api-{len(hosts)}-{run}")
        api.append(deploy_through_api(http, project))
        commit = repo.commit(f"hand-{len(hosts)}-{run}")
        hand.append(deploy_by_hand(hosts, repo, commit, f"{len(hosts)}-{run}"))
    http.delete(project.base)
    return api, hand


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10, help="deployments to time per case (default 10)")
    parser.add_argument("--hosts", type=int, default=4, help="hosts of the larger case (default 4)")
    args = parser.parse_args()

    pool = HostPool("bench")
    repo = GitRepository()
    server = ShipyardServer(None, {"SHIPYARD_RATE_LIMIT_WRITES": "100000"}).start()
    report: dict[int, Any] = {}
    try:
        hosts = web_hosts(pool, args.hosts)
        owner = new_user(server, admin(server))
        with client(server, owner) as http:
            for count in sorted({1, args.hosts}):
                report[count] = measure(http, repo, hosts[:count], args.runs)
    finally:
        server.cleanup()
        repo.close()
        pool.down_all()

    for count, (api, hand) in report.items():
        label = f"{count} host{'s' if count > 1 else ''}"
        print(
            f"deploy to {label}, through Shipyard (n={len(api)}): p50 {statistics.median(api):6.2f} s,"
            f" p90 {percentile(api, 0.9):6.2f} s"
        )
        print(
            f"deploy to {label}, by hand over SSH  (n={len(hand)}): p50 {statistics.median(hand):6.2f} s,"
            f" p90 {percentile(hand, 0.9):6.2f} s"
        )
        ratio = statistics.median(api) / statistics.median(hand)
        print(f"  ratio Shipyard / by hand, p50:           {ratio:6.2f}")


if __name__ == "__main__":
    main()
