"""Redirect rules, security rules and load balancing, observed over HTTP through nginx: 301/302
with the right Location, basic authentication that really gates a path or the whole site (PHP
still running under it), and a load balancer on its own host sending requests to two backends."""

from __future__ import annotations

import itertools
import shlex
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.test_sites import Sites, exists, fetch, served, token, write_as
from tests.support.api import Account, client, new_user
from tests.support.forge import Provisioned, output_of, wait_ready, wait_until
from tests.support.hosts import Host, HostPool
from tests.support.server import ShipyardServer
from tests.support.templates import provisioned_template

REDIRECT_FIELDS = {"id", "from", "to", "type", "status", "created_at"}
SECURITY_FIELDS = {"id", "name", "path", "status", "created_at", "credentials"}


@pytest.fixture
def sites(server: ShipyardServer, provisioned: Provisioned) -> Iterator[Sites]:
    with client(server, provisioned.owner) as http:
        tracker = Sites(http, provisioned)
        yield tracker
        tracker.cleanup()


def wait_rule(http: httpx.Client, url: str, key: str) -> dict[str, Any]:
    """Poll the rule like the Forge SDK until its job ended; it must be installed."""
    rule: dict[str, Any] = wait_until(
        lambda: (r := http.get(url).json()[key])["status"] in ("installed", "failed") and r, 120, url
    )
    assert rule["status"] == "installed", rule
    return rule


def delete_rule(http: httpx.Client, url: str) -> None:
    assert http.delete(url).status_code == 204
    wait_until(lambda: http.get(url).status_code == 404, 120, f"{url} to go")


def head(host: Host, domain: str, path: str, auth: tuple[str, str] | None = None) -> httpx.Response:
    return httpx.get(f"http://{host.ip}{path}", headers={"Host": domain}, auth=auth, timeout=10)


def test_redirect_rules_return_301_and_302_until_deleted(provisioned: Provisioned, sites: Sites) -> None:
    host, domain = provisioned.host, f"redir-{token()}.rules.test"
    site = sites.create(domain=domain)
    sites.wait(site["id"])
    base = f"{sites.base}/{site['id']}/redirect-rules"
    http = sites.http

    created = http.post(base, json={"from": "/docs", "to": "/docs/1.1", "type": "redirect"})
    assert created.status_code == 200, created.text
    docs = created.json()["redirect_rule"]
    assert set(docs) == REDIRECT_FIELDS and docs["status"] == "installing"
    assert (docs["from"], docs["to"], docs["type"]) == ("/docs", "/docs/1.1", "redirect")
    # The PHP SDK sends form bodies.
    moved = http.post(base, data={"from": "/old", "to": "https://example.com/new?x=1", "type": "permanent"})
    assert moved.status_code == 200, moved.text
    query = http.post(base, json={"from": "/docs?v=2", "to": "/v2/", "type": "permanent"}).json()
    for rule in (docs, moved.json()["redirect_rule"], query["redirect_rule"]):
        wait_rule(http, f"{base}/{rule['id']}", "redirect_rule")
    listed = http.get(base).json()["redirect_rules"]
    assert [r["from"] for r in listed] == ["/docs", "/old", "/docs?v=2"]

    cases = [
        ("/docs", 302, f"http://{domain}/docs/1.1"),
        ("/docs?page=3", 302, f"http://{domain}/docs/1.1"),
        ("/docs?v=2", 301, f"http://{domain}/v2/"),
        ("/old", 301, "https://example.com/new?x=1"),
    ]
    for path, status, location in cases:
        response = fetch(host, domain, path)
        assert (response.status_code, response.headers.get("location")) == (status, location), path
    assert fetch(host, domain, "/docs/1.1").status_code == 200  # the target itself is not redirected
    assert fetch(host, domain, "/docsx").status_code == 200
    conf = f"/etc/nginx/forge-conf/{domain}/server/redirect-uri-{docs['id']}.conf"
    assert "return 302" in host.run(f"cat {conf}").stdout

    again = http.post(base, json={"from": "/docs", "to": "/elsewhere"})
    assert again.status_code == 422 and "from" in again.json()["errors"]

    delete_rule(http, f"{base}/{docs['id']}")
    assert not exists(host, conf)
    assert served(host, domain, "This site is ready.", "/docs").status_code == 200
    assert fetch(host, domain, "/old").status_code == 301

    sites.delete(site["id"])
    assert http.get(f"{base}/{moved.json()['redirect_rule']['id']}").status_code == 404


def test_security_rules_gate_a_path_or_the_whole_site(
    server: ShipyardServer, provisioned: Provisioned, sites: Sites
) -> None:
    host, domain = provisioned.host, f"auth-{token()}.rules.test"
    site = sites.create(domain=domain)
    sites.wait(site["id"])
    write_as(host, "forge", f"/home/forge/{domain}/public/admin/info.php", "<?php echo 'admin ', 6*7;")
    base = f"{sites.base}/{site['id']}/security-rules"
    http = sites.http
    alice, bob = ("alice", "wonder-land-1"), ("bob.b", "b0b's p@ss word")

    created = http.post(
        base,
        data={
            "name": "Admin Area",
            "path": "/admin",
            "credentials[0][username]": alice[0],
            "credentials[0][password]": alice[1],
            "credentials[1][username]": bob[0],
            "credentials[1][password]": bob[1],
        },
    )
    assert created.status_code == 200, created.text
    admin = created.json()["security_rule"]
    assert set(admin) == SECURITY_FIELDS and admin["path"] == "/admin" and admin["name"] == "Admin Area"
    assert [set(c) for c in admin["credentials"]] == [{"id", "username", "created_at"}] * 2
    assert [c["username"] for c in admin["credentials"]] == ["alice", "bob.b"]
    wait_rule(http, f"{base}/{admin['id']}", "security_rule")

    denied = head(host, domain, "/admin/info.php")
    assert denied.status_code == 401 and denied.headers["www-authenticate"] == 'Basic realm="Admin Area"'
    for user in (alice, bob):
        allowed = head(host, domain, "/admin/info.php", user)
        assert (allowed.status_code, allowed.text) == (200, "admin 42")  # PHP runs under the path
    assert head(host, domain, "/admin/info.php", (alice[0], bob[1])).status_code == 401
    assert head(host, domain, "/%61dmin/info.php").status_code == 401
    assert head(host, domain, "/").status_code == 200

    # Passwords exist only as bcrypt hashes: on the host, in the API, in the server's events.
    htpasswd = f"/etc/nginx/htpasswd/site-{site['id']}/rule-{admin['id']}.htpasswd"
    assert host.run(f"stat -c '%a %U %G' {htpasswd}").stdout.split() == ["640", "root", "www-data"]
    lines = host.run(f"cat {htpasswd}").stdout.splitlines()
    assert [line.split(":", 1)[0] for line in lines] == ["alice", "bob.b"]
    assert all(line.split(":", 1)[1].startswith("$2b$") for line in lines)
    found = host.run(f"grep -rlF {shlex.quote(alice[1])} /etc/nginx", check=False)
    assert found.stdout == ""
    assert alice[1] not in http.get(base).text
    assert alice[1] not in output_of(http, sites.sid, f"Installing security rule {admin['id']}")

    whole = http.post(
        base, json={"name": "Staff", "path": None, "credentials": [{"username": "carol", "password": "c"}]}
    )
    assert whole.status_code == 200, whole.text
    whole_rule = wait_rule(http, f"{base}/{whole.json()['security_rule']['id']}", "security_rule")
    assert whole_rule["path"] is None
    assert head(host, domain, "/").status_code == 401
    assert head(host, domain, "/", ("carol", "c")).status_code == 200
    assert head(host, domain, "/admin/info.php", alice).status_code == 200  # the path's own rule wins
    assert head(host, domain, "/admin/info.php", ("carol", "c")).status_code == 401

    duplicate = http.post(
        base, json={"name": "Again", "path": "/admin/", "credentials": [{"username": "d", "password": "d"}]}
    )
    assert duplicate.status_code == 422 and "path" in duplicate.json()["errors"]

    delete_rule(http, f"{base}/{admin['id']}")
    assert not exists(host, htpasswd)
    assert head(host, domain, "/admin/info.php", ("carol", "c")).text == "admin 42"
    assert head(host, domain, "/admin/info.php", alice).status_code == 401
    delete_rule(http, f"{base}/{whole_rule['id']}")
    assert not exists(host, f"/etc/nginx/forge-conf/{domain}/server/security.conf")
    assert head(host, domain, "/").status_code == 200

    # A site's deletion takes its rules' files with it.
    last = http.post(base, json={"name": "Last", "credentials": [{"username": "e", "password": "e"}]})
    wait_rule(http, f"{base}/{last.json()['security_rule']['id']}", "security_rule")
    assert exists(host, f"/etc/nginx/htpasswd/site-{site['id']}")
    sites.delete(site["id"])
    assert not exists(host, f"/etc/nginx/htpasswd/site-{site['id']}")


class Balancer:
    """A load balancer server on a host of its own, owned by the provisioned server's owner."""

    def __init__(self, http: httpx.Client, host: Host, server_id: int) -> None:
        self.http, self.host, self.server_id = http, host, server_id


@pytest.fixture(scope="module")
def balancer(server: ShipyardServer, provisioned: Provisioned, hosts: HostPool) -> Iterator[Balancer]:
    # From the pre-provisioned disk: a load balancer's provisioning converges there in seconds
    # (what it configures is nginx's upstream, which the test checks).
    host = hosts.up(template=provisioned_template(hosts))
    with client(server, provisioned.owner) as http:
        created = http.post(
            "/api/v1/servers",
            json={
                "provider": "custom",
                "type": "loadbalancer",
                "name": "lb-1",
                "ip_address": host.ip,
                "private_ip_address": host.ip,
                "root_private_key": hosts.root_key(),
            },
        )
        assert created.status_code == 200, created.text
        server_id = created.json()["server"]["id"]
        final = wait_ready(http, server_id)
        assert final["type"] == "loadbalancer", final
        yield Balancer(http, host, server_id)
        http.delete(f"/api/v1/servers/{server_id}")
    hosts.down(host)


def backend_host(hosts: HostPool, http: httpx.Client) -> tuple[Host, int]:
    """A second backend: a host of its own answering `backend-b` on port 8080, as a server of the user."""
    host = hosts.up()
    host.run("mkdir -p /srv/b && echo backend-b > /srv/b/index.html")
    host.run("systemd-run --unit=backend-b --working-directory=/srv/b python3 -m http.server 8080")

    def up() -> bool:
        try:
            return httpx.get(f"http://{host.ip}:8080/", timeout=5).text.strip() == "backend-b"
        except httpx.TransportError:
            return False

    wait_until(up, 30, "backend b", every=0.3)
    created = http.post(
        "/api/v1/servers",
        json={"provider": "custom", "type": "web", "name": "web-b", "ip_address": "192.0.2.7",
              "private_ip_address": host.ip},
    )  # fmt: skip
    assert created.status_code == 200, created.text
    return host, created.json()["server"]["id"]


def answers(host: Host, domain: str, count: int) -> list[str]:
    return [fetch(host, domain).text.strip() for _ in range(count)]


def test_load_balancing_spreads_requests_over_the_chosen_servers(
    server: ShipyardServer,
    provisioned: Provisioned,
    balancer: Balancer,
    hosts: HostPool,
    admin_account: Account,
    sites: Sites,
) -> None:
    http, domain = balancer.http, f"lb-{token()}.rules.test"
    # Backend A: the provisioned server, serving the same domain.
    backend_a = sites.create(domain=domain, project_type="html", directory="/")
    sites.wait(backend_a["id"])
    write_as(provisioned.host, "forge", f"/home/forge/{domain}/index.html", "backend-a")
    b_host, b_id = backend_host(hosts, http)
    lb_sites = f"/api/v1/servers/{balancer.server_id}/sites"
    created = http.post(lb_sites, json={"domain": domain})
    assert created.status_code == 200, created.text
    lb_site = created.json()["site"]
    url = f"{lb_sites}/{lb_site['id']}/balancing"
    try:
        wait_until(lambda: http.get(f"{lb_sites}/{lb_site['id']}").json()["site"]["status"] == "installed",
                   180, "the balancer's site")  # fmt: skip
        assert http.get(url).json() == {"nodes": [], "method": "round_robin", "status": None}
        assert fetch(balancer.host, domain).status_code == 502  # nothing to balance to yet

        def balance(servers: list[dict[str, Any]], method: str = "round_robin") -> dict[str, Any]:
            response = http.put(url, json={"servers": servers, "method": method})
            assert response.status_code == 200, response.text
            result: dict[str, Any] = wait_until(
                lambda: (b := http.get(url).json())["status"] in ("installed", "failed") and b, 120, url
            )
            assert result["status"] == "installed", result
            return result

        a_id = provisioned.server_id
        even = balance([{"id": a_id}, {"id": b_id, "port": 8080}])
        assert even["nodes"] == [
            {"server_id": a_id, "weight": 1, "down": False, "backup": False, "port": 80},
            {"server_id": b_id, "weight": 1, "down": False, "backup": False, "port": 8080},
        ]
        seen = answers(balancer.host, domain, 20)
        assert Counter(seen) == {"backend-a": 10, "backend-b": 10}
        assert all(first != second for first, second in itertools.pairwise(seen)), seen

        balance([{"id": a_id, "weight": 3}, {"id": b_id, "port": 8080, "weight": 1}])
        assert Counter(answers(balancer.host, domain, 40)) == {"backend-a": 30, "backend-b": 10}

        balance([{"id": a_id}, {"id": b_id, "port": 8080, "down": True}], "least_conn")
        assert set(answers(balancer.host, domain, 10)) == {"backend-a"}
        upstream = balancer.host.run(f"cat /etc/nginx/forge-conf/{domain}/before/balancing.conf").stdout
        assert "least_conn;" in upstream and f"{b_host.ip}:8080 weight=1 down;" in upstream

        balance([{"id": a_id, "backup": True}, {"id": b_id, "port": 8080}])
        assert set(answers(balancer.host, domain, 6)) == {"backend-b"}  # the backup waits
        b_host.run("systemctl stop backend-b")
        assert set(answers(balancer.host, domain, 6)) == {"backend-a"}  # until the primary is down

        refused = http.put(url, json={"servers": [{"id": a_id, "backup": True}], "method": "ip_hash"})
        assert refused.status_code == 422 and "method" in refused.json()["errors"]
        stranger = new_user(server, admin_account)
        with client(server, stranger) as other:
            foreign = other.post(
                "/api/v1/servers", json={"provider": "custom", "name": "x", "ip_address": "192.0.2.9"}
            ).json()["server"]["id"]
        for servers, field in (
            ([{"id": foreign}], "servers.0.id"),
            ([{"id": balancer.server_id}], "servers.0.id"),
            ([{"id": a_id}, {"id": 2**31 - 1}], "servers.1.id"),
            ([{"id": a_id, "weight": 0}], "servers.0.weight"),
            ([{"id": a_id}], "method"),
        ):
            body = {"servers": servers, **({"method": "fastest"} if field == "method" else {})}
            response = http.put(url, json=body)
            assert response.status_code == 422, response.text
            assert field in response.json()["errors"], (servers, response.text)
        assert http.delete(f"/api/v1/servers/{foreign}", headers=stranger.headers()).status_code < 300
        app_site = http.put(f"{sites.base}/{backend_a['id']}/balancing", json={"servers": [{"id": b_id}]})
        assert app_site.status_code == 400  # not a load balancer

        assert balance([])["nodes"] == []
        assert not exists(balancer.host, f"/etc/nginx/forge-conf/{domain}/before/balancing.conf")
        assert fetch(balancer.host, domain).status_code == 502
    finally:
        http.delete(f"{lb_sites}/{lb_site['id']}")
        wait_until(lambda: http.get(f"{lb_sites}/{lb_site['id']}").status_code == 404, 120, "the site to go")
        http.delete(f"/api/v1/servers/{b_id}")
        hosts.down(b_host)
