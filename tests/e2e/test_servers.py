"""Servers through the Forge API, provisioned for real on Debian 12 test hosts over SSH."""

from __future__ import annotations

import shlex

import httpx

from tests.conftest import ServerFactory
from tests.support.api import Account, admin, client, new_user
from tests.support.forge import (
    Provisioned,
    events,
    output_of,
    server_of,
    wait_for_event,
    wait_provisioned,
    wait_ready,
    wait_until,
)
from tests.support.hosts import GATEWAY, HostPool
from tests.support.server import ShipyardServer
from tests.support.templates import provisioned_template


def test_provisioning_builds_a_forge_style_server(server: ShipyardServer, provisioned: Provisioned) -> None:
    owner, host, created = provisioned.owner, provisioned.host, provisioned.created
    server_id, sudo_password, database_password = (
        created["server"]["id"],
        created["sudo_password"],
        created["database_password"],
    )
    for unit in ("nginx", "php8.2-fpm", "mariadb", "supervisor", "cron"):
        assert host.is_active(unit), unit
    host.run("id forge && id -nG forge | grep -qw sudo")
    # The sudo password works for forge; the database password logs in to the requested database.
    host.run(f"runuser -u forge -- bash -c 'echo {sudo_password} | sudo -S -k true'")
    host.run(f"mysql -uforge -p{database_password} -h127.0.0.1 app -e 'SELECT 1'")
    rules = host.run("ufw status").stdout
    assert "Status: active" in rules and all(f"{port}/tcp" in rules for port in (22, 80, 443))
    assert httpx.get(f"http://{host.ip}/", timeout=10).status_code == 200  # nginx answers from outside
    with client(server, owner) as http:
        public_key = http.post(f"/api/v1/servers/{server_id}/reconnect").json()["public_key"]
        got = server_of(http, server_id)
        assert got["php_version"] == "php82" and got["os"] == "debian-12" and got["database_type"] == "mysql8"
        assert [t["name"] for t in got["tags"]] == ["e2e"]
        assert {e["description"] for e in events(http, server_id)} >= {
            "Gathering facts",
            "Provisioning server",
        }
        log = output_of(http, server_id, "Provisioning server")
        assert "==> Packages" in log and "SHIPYARD_RESULT" in log
        assert sudo_password not in log and database_password not in log
        recent = http.get("/api/v1/servers/events", params={"server_id": server_id}).json()
        assert isinstance(recent, list) and {e["server_name"] for e in recent} == {"web-1"}
    assert public_key in host.run("cat /root/.ssh/authorized_keys /home/forge/.ssh/authorized_keys").stdout


def test_settings_apply_on_the_host_with_shipyards_own_key(
    server: ShipyardServer, provisioned: Provisioned, hosts: HostPool
) -> None:
    owner, host, created = provisioned.owner, provisioned.host, provisioned.created
    server_id = created["server"]["id"]
    # The root key the server was created with is gone from the host: Shipyard must use its own.
    root_public = hosts.root_key_public()
    keys = "/root/.ssh/authorized_keys"
    host.run(f"grep -vxF {shlex.quote(root_public)} {keys} > /tmp/keys; cat /tmp/keys > {keys}")
    try:
        with client(server, owner) as http:
            updated = http.put(
                f"/api/v1/servers/{server_id}",
                json={
                    "name": "web-renamed",
                    "timezone": "Asia/Tokyo",
                    "max_upload_size": 64,
                    "max_execution_time": 90,
                    "tags": ["e2e", "tokyo"],
                },
            )
            assert updated.status_code == 200, updated.text
            assert updated.json()["server"]["name"] == "web-renamed"
            assert wait_for_event(http, server_id, "Updating server settings")["status"] == "finished"
        assert host.run("timedatectl show -p Timezone --value").stdout.strip() == "Asia/Tokyo"
        # The FPM SAPI serves the sites (the CLI hard-wires max_execution_time to 0).
        fpm = host.run("php-fpm8.2 -i | grep -E '^(upload_max_filesize|max_execution_time) '").stdout
        assert "upload_max_filesize => 64M" in fpm and "max_execution_time => 90" in fpm
    finally:
        host.run(f"echo {shlex.quote(root_public)} >> {keys}")


def test_reboot_brings_the_host_back(server: ShipyardServer, provisioned: Provisioned) -> None:
    owner, host, created = provisioned.owner, provisioned.host, provisioned.created
    server_id = created["server"]["id"]
    host.run("touch /run/shipyard-before-reboot")
    with client(server, owner) as http:
        assert http.post(f"/api/v1/servers/{server_id}/reboot").status_code == 202
        assert (
            wait_for_event(http, server_id, "Reconnecting after reboot", timeout=400)["status"] == "finished"
        )
    assert (
        host.run("test -e /run/shipyard-before-reboot", check=False).returncode != 0
    )  # /run is fresh: it rebooted
    assert host.is_active("nginx")


def test_revoke_reconnect_reactivate(server: ShipyardServer, provisioned: Provisioned) -> None:
    owner, host, created = provisioned.owner, provisioned.host, provisioned.created
    server_id = created["server"]["id"]
    with client(server, owner) as http:
        public_key = http.post(f"/api/v1/servers/{server_id}/reconnect").json()["public_key"]
        assert http.post(f"/api/v1/servers/{server_id}/revoke").status_code == 202
        wait_until(lambda: server_of(http, server_id)["revoked"], 120, "the server to be revoked")
        assert public_key not in host.run("cat /root/.ssh/authorized_keys").stdout
        refused = http.post(f"/api/v1/servers/{server_id}/reactivate")
        assert refused.status_code == 400 and "cannot log in" in refused.json()["message"]
        host.run(f"echo {shlex.quote(public_key)} >> /root/.ssh/authorized_keys")
        reactivated = http.post(f"/api/v1/servers/{server_id}/reactivate")
        assert reactivated.status_code == 200, reactivated.text
        assert reactivated.json()["server"]["revoked"] is False


def test_another_users_server_is_not_found(
    server: ShipyardServer, admin_account: Account, provisioned: Provisioned
) -> None:
    server_id = provisioned.server_id
    stranger = new_user(server, admin_account)
    with client(server, stranger) as http:
        for method, path in [
            ("GET", ""),
            ("PUT", ""),
            ("DELETE", ""),
            ("POST", "/reboot"),
            ("POST", "/revoke"),
            ("POST", "/reconnect"),
            ("POST", "/reactivate"),
            ("GET", "/events"),
            ("PUT", "/database-password"),
        ]:
            response = http.request(
                method, f"/api/v1/servers/{server_id}{path}", json={"password": "x", "name": "x"}
            )
            assert response.status_code == 404, (method, path, response.text)
        assert http.get("/api/v1/servers").json()["servers"] == []
        assert http.get("/api/v1/servers/events").json() == []


def test_provision_command_hands_the_host_over(
    start_server: ServerFactory, server: ShipyardServer, hosts: HostPool
) -> None:
    """Without a root login, the owner runs `provision_command` on the host as root.

    On SQLite the host is bare: the one provisioning from scratch through the API in the suite
    (apt installs and all). On PostgreSQL it boots from the pre-provisioned template, where the
    same script converges in seconds: what differs between the backends is Shipyard's side."""
    shipyard = start_server(
        server.backend, {"SHIPYARD_PUBLIC_URL": "http://" + GATEWAY + ":{port}"}, listen="0.0.0.0"
    )
    account = admin(shipyard)
    host = (
        hosts.up()
        if server.backend == "sqlite"
        else hosts.up(template=provisioned_template(hosts, "postgres"))
    )
    with client(shipyard, account) as http:
        created = http.post(
            "/api/v1/servers",
            json={
                "provider": "custom",
                "name": "handed-over",
                "ip_address": host.ip,
                "database_type": "postgres",
            },
        ).json()
        command = created["provision_command"]
        assert command and created["server"]["is_ready"] is False
        host.ssh(command)
        wait_ready(http, created["server"]["id"])
        # The one-time token is spent: running it again is refused.
        assert host.ssh(command, check=False).returncode != 0
    assert host.is_active("postgresql")
    host.run(f"PGPASSWORD={created['database_password']} psql -h 127.0.0.1 -U forge -d forge -c 'SELECT 1'")
    hosts.down(host)


def test_an_unreachable_host_fails_with_a_clear_event(server: ShipyardServer, admin_account: Account) -> None:
    owner = new_user(server, admin_account)
    with client(server, owner) as http:
        created = http.post(
            "/api/v1/servers",
            json={
                "provider": "custom",
                "name": "ghost",
                "ip_address": "10.213.0.254",
                "root_password": "whatever",
            },
        ).json()
        final = wait_provisioned(http, created["server"]["id"])
        assert final["status"] == "failed" and final["is_ready"] is False
        failure = output_of(http, created["server"]["id"], "Gathering facts")
        assert "Could not connect to root@10.213.0.254:22" in failure


def test_a_host_stopped_mid_provisioning_fails_it_with_a_clear_event(
    server: ShipyardServer, admin_account: Account, hosts: HostPool
) -> None:
    owner = new_user(server, admin_account)
    host = hosts.up()
    with client(server, owner) as http:
        server_id = http.post(
            "/api/v1/servers",
            json={
                "provider": "custom",
                "name": "doomed",
                "ip_address": host.ip,
                "root_private_key": hosts.root_key(),
            },
        ).json()["server"]["id"]

        def provisioning_output() -> str:
            running = [e for e in events(http, server_id) if e["description"] == "Provisioning server"]
            if not running:
                return ""
            output: str = http.get(f"/api/v1/servers/{server_id}/events/{running[0]['id']}").json()["output"]
            return output

        wait_until(provisioning_output, 300, "provisioning to be under way", every=0.5)
        hosts.down(host)  # the machine is gone: no FIN, no RST, just silence
        final = wait_until(
            lambda: (s := server_of(http, server_id))["status"] != "provisioning" and s,
            180,
            "provisioning to give up on the stopped host",
        )
        assert final["status"] == "failed" and final["is_ready"] is False
        event = wait_for_event(http, server_id, "Provisioning server", timeout=30)
        assert event["status"] == "failed"
        assert f"Lost the SSH connection to root@{host.ip}:22" in provisioning_output()


def test_what_debian_does_not_ship_is_refused_with_a_clear_event(
    server: ShipyardServer, admin_account: Account, hosts: HostPool
) -> None:
    owner = new_user(server, admin_account)
    host = hosts.up()
    with client(server, owner) as http:
        created = http.post(
            "/api/v1/servers",
            json={
                "provider": "custom",
                "name": "php84",
                "ip_address": host.ip,
                "php_version": "php84",
                "root_private_key": hosts.root_key(),
            },
        ).json()
        final = wait_provisioned(http, created["server"]["id"])
        assert final["status"] == "failed"
        reason = output_of(http, created["server"]["id"], "Provisioning server")
        assert "php84 is not available from Debian 12 (bookworm)'s packages (available: php82)" in reason
    assert host.run("command -v nginx", check=False).returncode != 0  # nothing else was installed instead
    hosts.down(host)


INJECTIONS = [
    "x; touch /tmp/pwned",
    "$(touch /tmp/pwned)",
    "`touch /tmp/pwned`",
    "a\ntouch /tmp/pwned",
    "a' || touch /tmp/pwned #",
]


def test_injection_attempts_are_422_and_run_nothing(server: ShipyardServer, provisioned: Provisioned) -> None:
    owner, host, created = provisioned.owner, provisioned.host, provisioned.created
    server_id = created["server"]["id"]
    with client(server, owner) as http:
        for payload in INJECTIONS:
            for field in ("name", "ip_address", "private_ip_address", "database"):
                body = {"provider": "custom", "name": "ok", "ip_address": host.ip, field: payload}
                response = http.post("/api/v1/servers", json=body)
                assert response.status_code == 422 and field in response.json()["errors"], (field, payload)
            for field in ("name", "timezone", "ip_address"):
                response = http.put(f"/api/v1/servers/{server_id}", json={field: payload})
                assert response.status_code == 422 and field in response.json()["errors"], (field, payload)
            tags = http.post(
                "/api/v1/servers",
                json={"provider": "custom", "name": "ok", "ip_address": host.ip, "tags": [payload]},
            )
            assert tags.status_code == 422 and "tags.0" in tags.json()["errors"]
        assert len(http.get("/api/v1/servers").json()["servers"]) == 1
    assert host.run("test -e /tmp/pwned", check=False).returncode != 0


def test_cloud_provider_payloads_are_validated(server: ShipyardServer, admin_account: Account) -> None:
    owner = new_user(server, admin_account)
    with client(server, owner) as http:
        missing = http.post("/api/v1/servers", json={"provider": "ocean2", "name": "do-1"})
        assert missing.status_code == 422
        assert {"credential_id", "region"} <= set(missing.json()["errors"])
        credential = http.post(
            "/api/v1/credentials", json={"type": "aws", "name": "a", "key": "k", "secret": "s"}
        )
        aws = {
            "provider": "aws",
            "name": "aws-1",
            "credential_id": credential.json()["credential"]["id"],
            "region": "us-east-1",
            "size": "01",
            "disk_size": 4,
        }
        small = http.post("/api/v1/servers", json=aws)
        assert small.status_code == 422 and list(small.json()["errors"]) == ["disk_size"]
        wrong = http.post(
            "/api/v1/servers", json={**aws, "provider": "hetzner", "region": "fsn1", "disk_size": 20}
        )
        assert wrong.status_code == 422 and list(wrong.json()["errors"]) == ["credential_id"]
        bad_size = http.post("/api/v1/servers", json={**aws, "size": "99", "disk_size": 20})
        assert bad_size.status_code == 422 and list(bad_size.json()["errors"]) == ["size"]
        assert http.post("/api/v1/servers", json={"provider": "custom", "name": "c"}).json()["errors"] == {
            "ip_address": ["The ip address field is required when the provider is custom."]
        }
