"""Forge's server logs: the tail of the real files on the provisioned host."""

from __future__ import annotations

import secrets

import httpx

from tests.support.api import Account, client, new_user
from tests.support.forge import Provisioned
from tests.support.server import ShipyardServer


def test_logs_are_the_real_files(server: ShipyardServer, provisioned: Provisioned) -> None:
    sid = provisioned.server_id
    marker = f"/shipyard-log-{secrets.token_hex(6)}"
    httpx.get(f"http://{provisioned.host.ip}{marker}", timeout=10)  # a 404 that nginx logs
    with client(server, provisioned.owner) as http:
        access = http.get(f"/api/v1/servers/{sid}/logs", params={"file": "nginx_access"})
        assert access.status_code == 200, access.text
        assert access.json()["path"] == "/var/log/nginx/access.log"
        assert marker in access.json()["content"]
        error = http.get(f"/api/v1/servers/{sid}/logs", params={"file": "nginx_error"}).json()
        assert error["path"] == "/var/log/nginx/error.log"
        database = http.get(f"/api/v1/servers/{sid}/logs", params={"file": "database"}).json()
        assert "mariadb" in database["content"].lower()  # Debian's MariaDB logs to the journal
        php = http.get(f"/api/v1/servers/{sid}/logs", params={"file": "php82"}).json()
        assert php["path"] == "/var/log/php8.2-fpm.log" and "fpm is running" in php["content"]
        events_before = http.get(f"/api/v1/servers/{sid}/events").headers["x-total-count"]
        for bad in ("php74", "syslog", "../../etc/shadow", "nginx_access; id"):
            response = http.get(f"/api/v1/servers/{sid}/logs", params={"file": bad})
            assert response.status_code == 422 and "file" in response.json()["errors"], bad
        assert http.get(f"/api/v1/servers/{sid}/logs").status_code == 422
        # Reading logs is not an event.
        assert http.get(f"/api/v1/servers/{sid}/events").headers["x-total-count"] == events_before


def test_another_users_logs_are_not_found(
    server: ShipyardServer, admin_account: Account, provisioned: Provisioned
) -> None:
    stranger = new_user(server, admin_account)
    with client(server, stranger) as http:
        response = http.get(f"/api/v1/servers/{provisioned.server_id}/logs", params={"file": "nginx_access"})
        assert response.status_code == 404
