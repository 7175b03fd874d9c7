"""What a deployment costs through Shipyard, next to the same git pull run by hand over SSH.

Run from the repository root, as root (the test hosts need it)::

    .venv/bin/python -m bench.deploy_bench [--runs N]

Boots one test host (slot SHIPYARD_TEST_HOST_SLOT, default 0; use another slot while a test
session runs), provisions it through the API, creates a PHP site, clones a tiny app from a bare
repository on the host into it and sets the deployment script to the git pull of Forge's default
(`cd $FORGE_SITE_PATH; git pull origin $FORGE_SITE_BRANCH`). Before every run a new commit is
pushed (untimed). Prints, p50 (and p90) over N runs:

1. deploy now: from `POST .../deployment/deploy` until the site's `deployment_status` is null
   again and the deployment is `finished` (the Forge SDK's wait, polled every 50 ms);
2. by hand: `git pull origin main` as the site user in the site's directory over one SSH
   command (a new SSH connection each time, as a person would run it).

The difference is what Shipyard adds: the durable job, staging the script, the fetch that reads
the commit to deploy, the FORGE_* environment, and recording the output and the history.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import httpx
from tests.support.api import admin, client, new_user
from tests.support.forge import wait_provisioned, wait_until
from tests.support.hosts import Host, HostPool
from tests.support.server import ShipyardServer

DOMAIN = "bench.sites.test"
ROOT = f"/home/forge/{DOMAIN}"
BARE = "/srv/git/bench.git"
WORK = "/root/bench-work"
SCRIPT = "cd $FORGE_SITE_PATH\ngit pull origin $FORGE_SITE_BRANCH\n"


def push(host: Host, version: int) -> None:
    host.ssh(
        f"set -e; cd {WORK}; mkdir -p public; echo \"<?php echo 'v{version}';\" > public/index.php; "
        f"git add -A; git -c user.name=Bench -c user.email=bench@example.test commit -q -m v{version}; "
        # git reads only repositories of the user who runs it: forge's, except while root pushes.
        f"chown -R root {BARE}; git push -q {BARE} main; chown -R forge {BARE}"
    )


def prepare(http: httpx.Client, host: Host, root_key: str) -> tuple[int, int]:
    """A provisioned server with a site that has the repository installed: (server id, site id)."""
    created = http.post(
        "/api/v1/servers",
        json={"provider": "custom", "name": "bench", "ip_address": host.ip, "root_private_key": root_key},
    )
    created.raise_for_status()
    server_id = int(created.json()["server"]["id"])
    if not wait_provisioned(http, server_id)["is_ready"]:
        raise SystemExit("provisioning failed")
    host.ssh(f"set -e; mkdir -p /srv/git; git init -q --bare -b main {BARE}; git init -q -b main {WORK}")
    push(host, 0)
    sites = f"/api/v1/servers/{server_id}/sites"
    site = http.post(sites, json={"domain": DOMAIN})
    site.raise_for_status()
    site_id = int(site.json()["site"]["id"])
    base = f"{sites}/{site_id}"
    wait_until(lambda: http.get(base).json()["site"]["status"] == "installed", 300, "the site", 0.2)
    http.post(
        f"{base}/git", json={"provider": "custom", "repository": BARE, "branch": "main"}
    ).raise_for_status()
    status = wait_until(
        lambda: (s := http.get(base).json()["site"]["repository_status"]) in ("installed", "failed") and s,
        300,
        "the repository",
        0.2,
    )
    if status != "installed":
        raise SystemExit("the repository could not be installed; see the server's events")
    http.put(f"{base}/deployment/script", json={"content": SCRIPT}).raise_for_status()
    return server_id, site_id


def deploy_now(http: httpx.Client, base: str) -> float:
    started = time.monotonic()
    http.post(f"{base}/deployment/deploy").raise_for_status()
    wait_until(
        lambda: http.get(base).json()["site"]["deployment_status"] is None, 300, "the deployment", 0.05
    )
    elapsed = time.monotonic() - started
    latest = http.get(f"{base}/deployment-history").json()["deployments"][0]
    if latest["status"] != "finished":
        raise SystemExit(f"the deployment failed: {http.get(f'{base}/deployment/log').text}")
    return elapsed


def by_hand(host: Host) -> float:
    started = time.monotonic()
    host.ssh(f"cd {ROOT} && runuser -u forge -- git pull -q origin main")
    return time.monotonic() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=10, help="deployments to time (default 10)")
    args = parser.parse_args()

    pool = HostPool("bench")
    server = ShipyardServer(None, {"SHIPYARD_RATE_LIMIT_WRITES": "100000"}).start()
    report: dict[str, Any] = {"api": [], "hand": []}
    try:
        host = pool.up()
        owner = new_user(server, admin(server))
        with client(server, owner) as http:
            server_id, site_id = prepare(http, host, pool.root_key())
            base = f"/api/v1/servers/{server_id}/sites/{site_id}"
            version = 0
            for _ in range(args.runs):
                version += 1
                push(host, version)
                report["api"].append(deploy_now(http, base))
                version += 1
                push(host, version)
                report["hand"].append(by_hand(host))
    finally:
        server.cleanup()
        pool.down_all()

    api, hand = report["api"], report["hand"]
    for label, values in (
        (f"deploy now through the API (n={len(api)}):", api),
        ("the same git pull by hand over SSH:", hand),
    ):
        print(f"{label:42} p50 {statistics.median(values):.2f} s, p90 {percentile(values, 0.9):.2f} s")
    print(f"{'  what Shipyard adds (p50):':42} {statistics.median(api) - statistics.median(hand):.2f} s")


if __name__ == "__main__":
    main()
