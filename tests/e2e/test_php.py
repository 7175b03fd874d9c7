"""Forge's PHP endpoints on the provisioned Debian 12 host, which ships PHP 8.2 only."""

from __future__ import annotations

from typing import Any

from tests.support.api import Account, client, new_user
from tests.support.forge import Provisioned, output_of, wait_for_event
from tests.support.server import ShipyardServer


def opcache_on(provisioned: Provisioned) -> bool:
    info = provisioned.host.run("php-fpm8.2 -i 2>/dev/null | grep '^opcache.enable ' || true").stdout
    return "=> On" in info


def test_php_versions_and_opcache(server: ShipyardServer, provisioned: Provisioned) -> None:
    sid = provisioned.server_id
    with client(server, provisioned.owner) as http:
        versions: list[dict[str, Any]] = http.get(f"/api/v1/servers/{sid}/php").json()
        assert [(v["version"], v["status"], v["binary_name"], v["used_as_default"]) for v in versions] == [
            ("php82", "installed", "php8.2", True)
        ]
        unavailable = http.post(f"/api/v1/servers/{sid}/php", json={"version": "php84"})
        assert unavailable.status_code == 422
        assert (
            "not available from Debian 12 (bookworm)'s packages" in unavailable.json()["errors"]["version"][0]
        )
        assert http.post(f"/api/v1/servers/{sid}/php", json={"version": "php82"}).status_code == 422
        assert http.post(f"/api/v1/servers/{sid}/php", json={"version": "php8.2; id"}).status_code == 422

        assert opcache_on(provisioned)
        assert http.delete(f"/api/v1/servers/{sid}/php/opcache").status_code == 202
        assert wait_for_event(http, sid, "Disabling OPcache")["status"] == "finished"
        assert not opcache_on(provisioned)
        assert http.get(f"/api/v1/servers/{sid}").json()["server"]["opcache_status"] == "disabled"
        assert http.post(f"/api/v1/servers/{sid}/php/opcache").status_code == 202
        assert wait_for_event(http, sid, "Enabling OPcache")["status"] == "finished"
        assert opcache_on(provisioned)

        assert http.post(f"/api/v1/servers/{sid}/php/update", json={"version": "php82"}).status_code == 202
        upgraded = wait_for_event(http, sid, "Upgrading php82", timeout=600)
        assert upgraded["status"] == "finished", output_of(http, sid, "Upgrading php82")
        assert provisioned.host.is_active("php8.2-fpm")


def test_another_users_php_is_not_found(
    server: ShipyardServer, admin_account: Account, provisioned: Provisioned
) -> None:
    stranger = new_user(server, admin_account)
    with client(server, stranger) as http:
        sid = provisioned.server_id
        assert http.get(f"/api/v1/servers/{sid}/php").status_code == 404
        assert http.post(f"/api/v1/servers/{sid}/php/opcache").status_code == 404
        assert http.post(f"/api/v1/servers/{sid}/php", json={"version": "php82"}).status_code == 404
