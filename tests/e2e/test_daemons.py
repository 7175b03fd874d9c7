"""Daemons become supervisor programs on the provisioned host, and stay up."""

from __future__ import annotations

import re
from typing import Any

from tests.support.api import client
from tests.support.forge import Provisioned, wait_until
from tests.support.server import ShipyardServer


def daemon_of(http: Any, server_id: int, daemon_id: int) -> dict[str, Any]:
    response = http.get(f"/api/v1/servers/{server_id}/daemons/{daemon_id}")
    assert response.status_code == 200, response.text
    daemon: dict[str, Any] = response.json()["daemon"]
    return daemon


def running_pids(provisioned: Provisioned, daemon_id: int) -> list[int]:
    status = provisioned.host.run(f"supervisorctl status 'daemon-{daemon_id}:*'", check=False).stdout
    return sorted(int(pid) for pid in re.findall(r"RUNNING\s+pid (\d+)", status))


def test_daemon_lifecycle(server: ShipyardServer, provisioned: Provisioned) -> None:
    sid = provisioned.server_id
    with client(server, provisioned.owner) as http:
        created = http.post(
            f"/api/v1/servers/{sid}/daemons",
            json={
                "command": "bash -c 'echo started 100%; exec sleep 100000'",
                "user": "forge",
                "directory": "/home/forge",
                "processes": 2,
                "startsecs": 1,
                "stopsignal": "TERM",
            },
        )
        assert created.status_code == 200, created.text
        daemon = created.json()["daemon"]
        assert daemon["status"] == "installing" and daemon["stopsignal"] == "SIGTERM"
        did = daemon["id"]
        wait_until(
            lambda: daemon_of(http, sid, did)["status"] == "installed", 120, "the daemon to be installed"
        )

        pids = running_pids(provisioned, did)
        assert len(pids) == 2
        assert provisioned.host.run(f"ps -o user= -p {pids[0]}").stdout.strip() == "forge"
        assert "started 100%" in provisioned.host.run(f"cat /var/log/shipyard/daemon-{did}.log").stdout

        # Supervisor brings a killed process back by itself.
        provisioned.host.run(f"kill -9 {pids[0]}")
        wait_until(
            lambda: len(p := running_pids(provisioned, did)) == 2 and pids[0] not in p, 30, "a new process"
        )

        before = running_pids(provisioned, did)
        assert http.post(f"/api/v1/servers/{sid}/daemons/{did}/restart").status_code == 200
        wait_until(
            lambda: (p := running_pids(provisioned, did)) and len(p) == 2 and not set(p) & set(before),
            60,
            "restarted processes",
        )

        listed = http.get(f"/api/v1/servers/{sid}/daemons").json()["daemons"]
        assert [d["id"] for d in listed] == [did]

        assert http.delete(f"/api/v1/servers/{sid}/daemons/{did}").status_code == 204
        wait_until(lambda: http.get(f"/api/v1/servers/{sid}/daemons/{did}").status_code == 404, 60, "removal")
        assert running_pids(provisioned, did) == []
        assert provisioned.host.run(
            f"test -e /etc/supervisor/conf.d/daemon-{did}.conf", check=False
        ).returncode


def test_a_daemon_that_cannot_run_is_failed(server: ShipyardServer, provisioned: Provisioned) -> None:
    sid = provisioned.server_id
    with client(server, provisioned.owner) as http:
        created = http.post(f"/api/v1/servers/{sid}/daemons", json={"command": "/bin/false", "startsecs": 1})
        did = created.json()["daemon"]["id"]
        wait_until(lambda: daemon_of(http, sid, did)["status"] == "failed", 120, "the daemon to fail")
        event = next(
            e
            for e in http.get(f"/api/v1/servers/{sid}/events").json()["events"]
            if e["description"] == f"Installing daemon {did}"
        )
        output = http.get(f"/api/v1/servers/{sid}/events/{event['id']}").json()["output"]
        assert "the daemon did not stay running" in output
        assert http.delete(f"/api/v1/servers/{sid}/daemons/{did}").status_code == 204


INJECTIONS = ["sleep 1\n[program:evil]\ncommand=touch /tmp/pwned", "x\rtouch /tmp/pwned"]


def test_daemon_input_is_validated(server: ShipyardServer, provisioned: Provisioned) -> None:
    sid = provisioned.server_id
    with client(server, provisioned.owner) as http:
        before = http.get(f"/api/v1/servers/{sid}/daemons").json()["daemons"]
        for field, value in [
            ("command", INJECTIONS[0]),
            ("command", INJECTIONS[1]),
            ("user", "root; touch /tmp/pwned"),
            ("directory", "/tmp/$(touch /tmp/pwned)"),
            ("directory", "relative/path"),
            ("stopsignal", "SIGSEGV"),
            ("processes", 0),
        ]:
            body: dict[str, Any] = {"command": "sleep 1000", field: value}
            response = http.post(f"/api/v1/servers/{sid}/daemons", json=body)
            assert response.status_code == 422 and field in response.json()["errors"], (
                field,
                value,
                response.text,
            )
        assert len(http.get(f"/api/v1/servers/{sid}/daemons").json()["daemons"]) <= len(before)
    assert provisioned.host.run("test -e /tmp/pwned", check=False).returncode != 0
