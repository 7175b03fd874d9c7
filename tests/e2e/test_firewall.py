"""Firewall rules become ufw rules on the provisioned host, and really let TCP through or block it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.api import Account, client, new_user
from tests.support.forge import Provisioned, output_of, wait_until
from tests.support.hosts import Host, HostPool
from tests.support.server import ShipyardServer

PORT = 8765


def rule_of(http: httpx.Client, server_id: int, rule_id: int) -> dict[str, Any]:
    response = http.get(f"/api/v1/servers/{server_id}/firewall-rules/{rule_id}")
    assert response.status_code == 200, response.text
    rule: dict[str, Any] = response.json()["rule"]
    return rule


def wait_status(http: httpx.Client, server_id: int, rule_id: int, status: str) -> dict[str, Any]:
    return wait_until(  # type: ignore[no-any-return]
        lambda: (r := rule_of(http, server_id, rule_id))["status"] == status and r,
        120,
        f"firewall rule {rule_id} to be {status}",
    )


def wait_gone(http: httpx.Client, server_id: int, rule_id: int) -> None:
    wait_until(
        lambda: http.get(f"/api/v1/servers/{server_id}/firewall-rules/{rule_id}").status_code == 404,
        120,
        f"firewall rule {rule_id} to be removed",
    )


def reachable(client_host: Host, ip: str, port: int) -> bool:
    """Whether a TCP connection from `client_host` to ip:port gets an HTTP answer (ufw drops, so 3 s)."""
    done = client_host.run(f"curl -s -o /dev/null --max-time 3 http://{ip}:{port}/", check=False)
    return done.returncode == 0


def tagged_rules(host: Host) -> list[str]:
    status = host.run("ufw status numbered").stdout
    return [line for line in status.splitlines() if "# shipyard-rule-" in line]


@pytest.fixture
def web_server(provisioned: Provisioned) -> Iterator[int]:
    """`python3 -m http.server` on the provisioned host, stopped afterwards."""
    unit = f"shipyard-e2e-http-{PORT}"
    provisioned.host.run(f"systemctl stop {unit}; systemctl reset-failed {unit}", check=False)
    provisioned.host.run(
        f"systemd-run --collect --unit={unit} --working-directory=/tmp python3 -m http.server {PORT}"
    )
    wait_until(
        lambda: (
            provisioned.host.run(f"curl -s -o /dev/null http://127.0.0.1:{PORT}/", check=False).returncode
            == 0
        ),
        30,
        "the test web server",
    )
    yield PORT
    provisioned.host.run(f"systemctl stop {unit}", check=False)


@pytest.fixture
def second_host(hosts: HostPool) -> Iterator[Host]:
    other = hosts.up()
    yield other
    hosts.down(other)


def test_rules_allow_and_block_tcp_for_real(
    server: ShipyardServer, provisioned: Provisioned, web_server: int, second_host: Host
) -> None:
    sid, host, other = provisioned.server_id, provisioned.host, second_host
    base = f"/api/v1/servers/{sid}/firewall-rules"
    assert not reachable(other, host.ip, web_server), "ufw must drop ports nobody allowed"
    with client(server, provisioned.owner) as http:
        # The Forge SDK sends form bodies: the port arrives as a string and comes back as a number.
        created = http.post(
            base, data={"name": "app from web-2", "ip_address": other.ip, "port": str(web_server)}
        )
        assert created.status_code == 200, created.text
        allow = created.json()["rule"]
        assert set(allow) == {"id", "name", "port", "type", "ip_address", "status", "created_at"}
        assert allow["port"] == web_server and allow["type"] == "allow" and allow["ip_address"] == other.ip
        assert allow["status"] == "installing"
        wait_status(http, sid, allow["id"], "installed")
        assert reachable(other, host.ip, web_server)
        # Only from that address: the machine itself (another source) is still dropped.
        with pytest.raises(httpx.TransportError):
            httpx.get(f"http://{host.ip}:{web_server}/", timeout=3)

        duplicate = http.post(base, json={"name": "again", "ip_address": other.ip, "port": web_server})
        assert duplicate.status_code == 422 and "port" in duplicate.json()["errors"], duplicate.text

        # A deny rule goes before the broader allow, so it wins.
        created = http.post(
            base, json={"name": "block", "port": f"{web_server - 5}:{web_server + 5}", "type": "deny"}
        )
        assert created.status_code == 200, created.text
        deny = created.json()["rule"]
        assert deny["port"] == f"{web_server - 5}:{web_server + 5}" and deny["ip_address"] is None
        wait_status(http, sid, deny["id"], "installed")
        assert f"# shipyard-rule-{deny['id']}" in tagged_rules(host)[0]
        assert not reachable(other, host.ip, web_server)

        listed = http.get(base).json()["rules"]
        assert [r["id"] for r in listed] == [allow["id"], deny["id"]]

        assert http.delete(f"{base}/{deny['id']}").status_code == 204
        wait_gone(http, sid, deny["id"])
        assert reachable(other, host.ip, web_server)

        assert http.delete(f"{base}/{allow['id']}").status_code == 204
        wait_gone(http, sid, allow["id"])
        assert not reachable(other, host.ip, web_server)
    assert tagged_rules(host) == []


def test_deleting_a_rule_leaves_rules_it_did_not_add(
    server: ShipyardServer, provisioned: Provisioned, second_host: Host
) -> None:
    """Port 80 and 22 are open since provisioning: a Shipyard rule for them never takes that rule over."""
    sid, host, other = provisioned.server_id, provisioned.host, second_host
    base = f"/api/v1/servers/{sid}/firewall-rules"
    ssh_open = f"timeout 3 bash -c '</dev/tcp/{host.ip}/22'"
    with client(server, provisioned.owner) as http:
        same = http.post(base, json={"name": "http", "port": 80}).json()["rule"]
        wait_status(http, sid, same["id"], "installed")
        assert "ufw already has this rule, not added by Shipyard" in output_of(
            http, sid, f"Installing firewall rule {same['id']}"
        )
        assert http.delete(f"{base}/{same['id']}").status_code == 204
        wait_gone(http, sid, same["id"])
        assert reachable(other, host.ip, 80)  # nginx, through provisioning's rule

        conflicting = http.post(base, json={"name": "no ssh", "port": 22, "type": "deny"}).json()["rule"]
        wait_status(http, sid, conflicting["id"], "failed")
        assert "ufw already has a rule for this port and source ('allow')" in output_of(
            http, sid, f"Installing firewall rule {conflicting['id']}"
        )
        assert other.run(ssh_open, check=False).returncode == 0
        assert http.delete(f"{base}/{conflicting['id']}").status_code == 204
        wait_gone(http, sid, conflicting["id"])
        assert other.run(ssh_open, check=False).returncode == 0
    assert tagged_rules(host) == []
    rules = host.run("ufw status").stdout
    assert all(f"{port}/tcp" in rules for port in (22, 80, 443))


INJECTIONS = [
    "; touch /tmp/pwned",
    "$(touch /tmp/pwned)",
    "`touch /tmp/pwned`",
    "80\ntouch /tmp/pwned",
    "80 comment x; touch /tmp/pwned",
]


def test_firewall_input_is_validated(server: ShipyardServer, provisioned: Provisioned) -> None:
    sid = provisioned.server_id
    base = f"/api/v1/servers/{sid}/firewall-rules"
    with client(server, provisioned.owner) as http:
        before = http.get(base).json()["rules"]
        cases: list[tuple[str, Any]] = [
            ("name", "x\ntouch /tmp/pwned"),
            ("port", 0),
            ("port", 65536),
            ("port", "9000:8000"),
            ("ip_address", "10.0.0.1/8"),
            ("ip_address", "fe80::1%eth0"),
            ("type", "reject"),
        ]
        cases += [(field, value) for field in ("port", "ip_address", "type") for value in INJECTIONS]
        cases += [("port", "80" + value) for value in INJECTIONS]
        cases += [("ip_address", "10.0.0.1" + value) for value in INJECTIONS]
        for field, value in cases:
            body: dict[str, Any] = {"name": "x", "port": 8080, field: value}
            response = http.post(base, json=body)
            assert response.status_code == 422 and field in response.json()["errors"], (
                field,
                value,
                response.text,
            )
        assert http.get(base).json()["rules"] == before
    assert provisioned.host.run("test -e /tmp/pwned", check=False).returncode != 0


def test_another_users_server_is_not_found(
    server: ShipyardServer, admin_account: Account, provisioned: Provisioned
) -> None:
    sid = provisioned.server_id
    stranger = new_user(server, admin_account)
    with client(server, provisioned.owner) as http:
        rule = http.post(
            f"/api/v1/servers/{sid}/firewall-rules", json={"name": "mine", "port": 9999, "type": "deny"}
        ).json()["rule"]
    base = f"/api/v1/servers/{sid}/firewall-rules"
    with client(server, stranger) as http:
        for method, path in [
            ("GET", ""),
            ("POST", ""),
            ("GET", f"/{rule['id']}"),
            ("DELETE", f"/{rule['id']}"),
        ]:
            response = http.request(method, base + path, json={"name": "x", "port": 9998})
            assert response.status_code == 404, (method, path, response.text)
    with client(server, provisioned.owner) as http:
        wait_status(http, sid, rule["id"], "installed")
        assert http.delete(f"{base}/{rule['id']}").status_code == 204
        wait_gone(http, sid, rule["id"])
