"""What provisioning and host actions cost, on real Debian 12 test hosts.

Run from the repository root, as root (the test hosts need it)::

    .venv/bin/python -m bench.servers_bench [--resources N] [--fan-out N]

Prints three figures:

1. Provisioning: a fresh host provisioned through the API (POST /servers with a root key until
   `is_ready`), next to the same packages installed by hand over SSH on another fresh host
   (`apt-get update && apt-get install -y <the list provisioning installs>`).
2. One resource applied: the time from `POST /servers/{id}/firewall-rules` until the rule is
   `installed` on the host, p50 (and p90) over N rules created one after another.
3. Fan-out: one command (uploaded as a script, as every host action is) through Shipyard's SSH
   layer on one host, then on N hosts at once, each from a cold start (a new connection); the
   ratio of the two wall times is the fan-out cost (1.0 would be free).

It boots up to N test hosts (slot SHIPYARD_TEST_HOST_SLOT, default 0; use another slot while a
test session runs) and removes them at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from tests.support.api import admin, client, new_user
from tests.support.forge import wait_provisioned, wait_until
from tests.support.hosts import Host, HostPool
from tests.support.server import ShipyardServer

from shipyard.core.script import Script
from shipyard.hostops import packages
from shipyard.hostops.server import BASE_PACKAGES
from shipyard.remote.ssh import Endpoint, Login, Remote

DATABASE_TYPE = "mysql8"
FAN_OUT_COMMAND = "hostname && uptime && df -h / | tail -1"


def provision_packages() -> list[str]:
    """The packages provisioning installs on Debian 12 for the default PHP and `mysql8`."""
    dist = packages.distribution("debian-12")
    php = packages.php_version(dist, next(iter(dist.php)))
    return [*BASE_PACKAGES, *packages.php_packages(php), *packages.database(dist, DATABASE_TYPE).packages]


def provision_through_api(http: httpx.Client, host: Host, root_key: str) -> tuple[float, int]:
    started = time.monotonic()
    created = http.post(
        "/api/v1/servers",
        json={
            "provider": "custom",
            "name": "bench",
            "ip_address": host.ip,
            "database_type": DATABASE_TYPE,
            "root_private_key": root_key,
        },
    )
    created.raise_for_status()
    server_id = int(created.json()["server"]["id"])
    final = wait_provisioned(http, server_id)
    if not final["is_ready"]:
        raise SystemExit(f"provisioning failed: {final}")
    return time.monotonic() - started, server_id


def install_by_hand(host: Host) -> float:
    command = (
        "export DEBIAN_FRONTEND=noninteractive && apt-get update -q && apt-get install -y -q "
        + " ".join(provision_packages())
    )
    started = time.monotonic()
    host.ssh(command, timeout=3600)
    return time.monotonic() - started


def apply_resources(http: httpx.Client, server_id: int, count: int) -> list[float]:
    """Create `count` firewall rules one after another; the seconds each took to be installed."""
    timings: list[float] = []
    for index in range(count):
        started = time.monotonic()
        created = http.post(
            f"/api/v1/servers/{server_id}/firewall-rules",
            json={"name": f"bench {index}", "port": 20000 + index, "type": "allow"},
        )
        created.raise_for_status()
        rule_id = created.json()["rule"]["id"]
        url = f"/api/v1/servers/{server_id}/firewall-rules/{rule_id}"
        wait_until(
            lambda url=url: http.get(url).json()["rule"]["status"] == "installed", 300, "the rule", 0.05
        )
        timings.append(time.monotonic() - started)
    for rule in http.get(f"/api/v1/servers/{server_id}/firewall-rules").json()["rules"]:
        http.delete(f"/api/v1/servers/{server_id}/firewall-rules/{rule['id']}")
    return timings


async def run_everywhere(hosts: list[Host], root_key: str) -> float:
    """Wall time of the command on every host at once, from new connections."""
    remote = Remote()
    script = Script(name="bench-fan-out", body=FAN_OUT_COMMAND)
    started = time.monotonic()
    results = await asyncio.gather(
        *(
            remote.run(
                Endpoint(host.ip), Login(private_key=root_key), script, pinned_host_key=None, time_limit=60
            )
            for host in hosts
        )
    )
    elapsed = time.monotonic() - started
    await remote.close()
    failed = [result for result, _ in results if not result.ok]
    if failed:
        raise SystemExit(f"the command failed: {failed}")
    return elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--resources", type=int, default=20, help="firewall rules to time (default 20)")
    parser.add_argument("--fan-out", type=int, default=20, help="hosts for the fan-out (default 20)")
    args = parser.parse_args()

    pool = HostPool("bench")
    server = ShipyardServer(None, {"SHIPYARD_RATE_LIMIT_WRITES": "100000"}).start()
    report: dict[str, Any] = {}
    try:
        root_key = pool.root_key()
        with ThreadPoolExecutor(max_workers=4) as boot:
            hosts = list(boot.map(lambda _: pool.up(), range(max(2, args.fan_out))))
        owner = new_user(server, admin(server))
        with client(server, owner) as http:
            report["manual"] = install_by_hand(hosts[1])
            report["provision"], server_id = provision_through_api(http, hosts[0], root_key)
            report["resources"] = apply_resources(http, server_id, args.resources)
        report["one"] = asyncio.run(run_everywhere(hosts[:1], root_key))
        report["many"] = asyncio.run(run_everywhere(hosts[: args.fan_out], root_key))
    finally:
        server.cleanup()
        pool.down_all()

    resources: list[float] = report["resources"]
    print(f"provision a fresh host through the API: {report['provision']:7.1f} s")
    print(f"the same packages installed by hand:    {report['manual']:7.1f} s")
    print(f"  ratio API / by hand:                  {report['provision'] / report['manual']:7.2f}")
    print(
        f"apply one firewall rule (n={len(resources)}):        p50 {statistics.median(resources):.2f} s,"
        f" p90 {percentile(resources, 0.9):.2f} s"
    )
    print(f"one command on 1 host (cold):           {report['one']:7.2f} s")
    print(f"one command on {args.fan_out} hosts at once (cold):  {report['many']:7.2f} s")
    print(f"  fan-out ratio {args.fan_out} hosts / 1 host:          {report['many'] / report['one']:7.2f}")


if __name__ == "__main__":
    main()
