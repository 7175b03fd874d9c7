"""Service actions really start, stop and restart systemd services on the provisioned host."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.api import Account, client, new_user, token_for
from tests.support.forge import Provisioned
from tests.support.server import ShipyardServer

BROKEN = "/etc/nginx/conf.d/zz-shipyard-e2e-broken.conf"
# The provisioned host runs these; every test leaves them running.
SERVICES = ("nginx", "mariadb", "php8.2-fpm")


def main_pid(provisioned: Provisioned, unit: str) -> int:
    return int(provisioned.host.run(f"systemctl show -p MainPID --value {unit}").stdout.strip())


@pytest.fixture
def running(provisioned: Provisioned) -> Iterator[Provisioned]:
    """Leave the shared host as it was: no broken nginx file, every service running."""
    yield provisioned
    provisioned.host.run(f"rm -f {BROKEN}; systemctl start {' '.join(SERVICES)}")
    assert all(provisioned.host.is_active(unit) for unit in SERVICES)


def post(http: Any, path: str, body: dict[str, Any] | None = None) -> Any:
    return http.post(path, json=body) if body is not None else http.post(path)


def test_nginx_test_returns_the_real_output(server: ShipyardServer, running: Provisioned) -> None:
    sid, host = running.server_id, running.host
    with client(server, running.owner) as http:
        passed = http.get(f"/api/v1/servers/{sid}/nginx/test")
        assert passed.status_code == 200, passed.text
        result = passed.json()["result"]
        assert "syntax is ok" in result and "test is successful" in result
        assert result.strip() == host.run("nginx -t 2>&1").stdout.strip()

        host.run(f"printf 'shipyard_e2e_not_a_directive on;\\n' > {BROKEN}")
        failed = http.get(f"/api/v1/servers/{sid}/nginx/test")
        assert failed.status_code == 200, failed.text
        result = failed.json()["result"]
        assert "[emerg]" in result and 'unknown directive "shipyard_e2e_not_a_directive"' in result, result
        assert BROKEN in result and "test failed" in result
        assert result.endswith("nginx: configuration file /etc/nginx/nginx.conf test failed\n"), result

        # With a broken configuration nginx is not restarted (it would not come back).
        pid = main_pid(running, "nginx")
        refused = http.post(f"/api/v1/servers/{sid}/nginx/reboot")
        assert refused.status_code == 400 and "test failed" in refused.json()["message"], refused.text
        assert host.is_active("nginx") and main_pid(running, "nginx") == pid

        host.run(f"rm -f {BROKEN}")
        assert "test is successful" in http.get(f"/api/v1/servers/{sid}/nginx/test").json()["result"]


def test_a_fresh_token_does_not_block_the_host_action(server: ShipyardServer, running: Provisioned) -> None:
    """The first use of a token stamps it in the request's transaction; on SQLite (one writer)
    that must not keep the host action from recording its event."""
    owner = running.owner
    fresh = Account(owner.name, owner.password, token_for(server, owner.name, owner.password), owner.id)
    with client(server, fresh) as http:
        tested = http.get(f"/api/v1/servers/{running.server_id}/nginx/test")
        assert tested.status_code == 200 and "test is successful" in tested.json()["result"], tested.text
    fresh = Account(owner.name, owner.password, token_for(server, owner.name, owner.password), owner.id)
    with client(server, fresh) as http:
        restarted = post(http, f"/api/v1/servers/{running.server_id}/services/restart", {"service": "nginx"})
        assert restarted.status_code == 204, restarted.text


def test_nginx_database_and_php_actions(server: ShipyardServer, running: Provisioned) -> None:
    sid, host = running.server_id, running.host
    base = f"/api/v1/servers/{sid}"
    with client(server, running.owner) as http:
        assert http.post(f"{base}/nginx/stop").status_code == 204
        assert not host.is_active("nginx")
        assert post(http, f"{base}/services/start", {"service": "nginx"}).status_code == 204
        assert host.is_active("nginx")
        pid = main_pid(running, "nginx")
        assert http.post(f"{base}/nginx/reboot").status_code == 204
        assert host.is_active("nginx") and main_pid(running, "nginx") != pid

        # "mysql" is the server's MySQL-compatible database: MariaDB on Debian.
        assert http.post(f"{base}/mysql/stop").status_code == 204
        assert not host.is_active("mariadb")
        assert http.post(f"{base}/mysql/reboot").status_code == 204
        assert host.is_active("mariadb")
        pid = main_pid(running, "mariadb")
        assert post(http, f"{base}/services/restart", {"service": "mariadb"}).status_code == 204
        assert host.is_active("mariadb") and main_pid(running, "mariadb") != pid
        assert post(http, f"{base}/services/stop", {"service": "mariadb.service"}).status_code == 204
        assert not host.is_active("mariadb")
        # The Forge SDK sends form bodies.
        assert http.post(f"{base}/services/start", data={"service": "mariadb"}).status_code == 204
        assert host.is_active("mariadb")

        pid = main_pid(running, "php8.2-fpm")
        assert post(http, f"{base}/php/reboot", {"version": "php82"}).status_code == 204
        assert host.is_active("php8.2-fpm") and main_pid(running, "php8.2-fpm") != pid
        pid = main_pid(running, "php8.2-fpm")
        assert http.post(f"{base}/php/reboot").status_code == 204  # the server's PHP version
        assert main_pid(running, "php8.2-fpm") != pid


def test_what_the_server_does_not_have_is_refused_clearly(
    server: ShipyardServer, running: Provisioned
) -> None:
    base = f"/api/v1/servers/{running.server_id}"
    with client(server, running.owner) as http:
        for action in ("reboot", "stop"):
            refused = http.post(f"{base}/postgres/{action}")
            assert refused.status_code == 400 and "not PostgreSQL" in refused.json()["message"], refused.text
        unknown = post(http, f"{base}/services/restart", {"service": "shipyard-no-such-service"})
        assert unknown.status_code == 422, unknown.text
        assert "does not exist on this server" in unknown.json()["errors"]["service"][0]
        php84 = post(http, f"{base}/php/reboot", {"version": "php84"})
        assert php84.status_code == 422 and "php84 is not available" in php84.json()["errors"]["version"][0]
        ssh = post(http, f"{base}/services/stop", {"service": "ssh"})
        assert ssh.status_code == 422 and "service" in ssh.json()["errors"], ssh.text
    assert running.host.is_active("ssh")


INJECTIONS = [
    "nginx; touch /tmp/pwned",
    "$(touch /tmp/pwned)",
    "`touch /tmp/pwned`",
    "nginx\ntouch /tmp/pwned",
    "nginx' 'touch /tmp/pwned",
    "../../../bin/sh",
    "-H root@localhost",
    "poweroff.target",
    "",
]


def test_service_input_is_validated_and_nothing_runs(server: ShipyardServer, running: Provisioned) -> None:
    base = f"/api/v1/servers/{running.server_id}"
    with client(server, running.owner) as http:
        for action in ("start", "stop", "restart"):
            for name in INJECTIONS:
                response = post(http, f"{base}/services/{action}", {"service": name})
                assert response.status_code == 422 and "service" in response.json()["errors"], (action, name)
        for version in ("php82; touch /tmp/pwned", "$(touch /tmp/pwned)", "php8.2"):
            response = post(http, f"{base}/php/reboot", {"version": version})
            assert response.status_code == 422 and "version" in response.json()["errors"], (
                version,
                response.text,
            )
    assert running.host.run("test -e /tmp/pwned", check=False).returncode != 0
    assert all(running.host.is_active(unit) for unit in SERVICES)


def test_another_users_server_is_not_found(
    server: ShipyardServer, admin_account: Account, running: Provisioned
) -> None:
    base = f"/api/v1/servers/{running.server_id}"
    stranger = new_user(server, admin_account)
    with client(server, stranger) as http:
        for method, path in [
            ("POST", "/services/start"),
            ("POST", "/services/stop"),
            ("POST", "/services/restart"),
            ("POST", "/mysql/reboot"),
            ("POST", "/mysql/stop"),
            ("POST", "/nginx/reboot"),
            ("POST", "/nginx/stop"),
            ("GET", "/nginx/test"),
            ("POST", "/postgres/reboot"),
            ("POST", "/postgres/stop"),
            ("POST", "/php/reboot"),
        ]:
            response = http.request(method, base + path, json={"service": "nginx", "version": "php82"})
            assert response.status_code == 404, (method, path, response.text)
    assert all(running.host.is_active(unit) for unit in SERVICES)
