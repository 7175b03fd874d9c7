"""Nginx templates: Forge's CRUD and default template; the default renders to a config nginx accepts."""

from __future__ import annotations

from shipyard.hostops.nginx import SiteValues, substitute
from tests.support.api import Account, client, new_user
from tests.support.forge import Provisioned
from tests.support.server import ShipyardServer

CUSTOM = (
    "server { listen {{ PORT }}; server_name {{DOMAINS}}; root {{ PATH }}; location = / { return 204; } }"
)


def test_nginx_template_crud(
    server: ShipyardServer, provisioned: Provisioned, admin_account: Account
) -> None:
    sid = provisioned.server_id
    base = f"/api/v1/servers/{sid}/nginx/templates"
    with client(server, provisioned.owner) as http:
        created = http.post(base, json={"name": "My Nginx Template", "content": CUSTOM})
        assert created.status_code == 200, created.text
        template = created.json()["template"]
        assert template == {
            "id": template["id"],
            "server_id": sid,
            "name": "My Nginx Template",
            "content": CUSTOM,
        }
        tid = template["id"]

        assert http.get(f"{base}/{tid}").json()["template"] == template
        assert tid in [t["id"] for t in http.get(base).json()["templates"]]

        updated = http.put(
            f"{base}/{tid}", json={"name": "My New Name", "content": "server { listen {{PORT}}; }"}
        )
        assert updated.status_code == 200, updated.text
        assert updated.json()["template"]["name"] == "My New Name"
        assert http.get(f"{base}/{tid}").json()["template"]["content"] == "server { listen {{PORT}}; }"

        unknown = http.put(f"{base}/{tid}", json={"content": "listen {{ PORTS }};"})
        assert unknown.status_code == 422 and "PORTS" in unknown.json()["errors"]["content"][0]
        assert http.get(f"{base}/{tid}").json()["template"]["name"] == "My New Name"

        stranger = new_user(server, admin_account)
        with client(server, stranger) as other:
            assert other.get(f"{base}/{tid}").status_code == 404
            assert other.get(f"{base}/default").status_code == 404
            assert other.post(base, json={"name": "x", "content": CUSTOM}).status_code == 404

        assert http.delete(f"{base}/{tid}").status_code == 204
        assert http.get(f"{base}/{tid}").status_code == 404
        assert tid not in [t["id"] for t in http.get(base).json()["templates"]]


def test_the_default_template_is_a_config_nginx_accepts(
    server: ShipyardServer, provisioned: Provisioned
) -> None:
    sid = provisioned.server_id
    with client(server, provisioned.owner) as http:
        response = http.get(f"/api/v1/servers/{sid}/nginx/templates/default")
    assert response.status_code == 200, response.text
    default = response.json()["template"]
    assert default["server_id"] == sid and default["name"] == "Forge Default"
    assert "{{ PROXY_PASS }}" in default["content"]

    site = SiteValues(
        1, "default-check.test", ("www.default-check.test",), "forge", "/home/forge/default-check.test",
        "/public", "/run/php/php-fpm.sock", provisioned.host.ip, provisioned.host.ip,
    )  # fmt: skip
    rendered = substitute(default["content"], site)
    host = provisioned.host
    host.run("rm -rf /tmp/nginx-check && mkdir /tmp/nginx-check")
    host.run(f"cat > /tmp/nginx-check/site.conf <<'EOF'\n{rendered}\nEOF")
    # Relative includes (fastcgi_params) resolve against the main config's directory: /etc/nginx.
    host.run(
        "printf 'pid /tmp/nginx-check/nginx.pid;\\nevents {}\\nhttp { include mime.types; "
        "include /tmp/nginx-check/site.conf; }\\n' > /etc/nginx/shipyard-check.conf"
    )
    checked = host.run("nginx -t -c /etc/nginx/shipyard-check.conf 2>&1", check=False)
    host.run("rm -rf /tmp/nginx-check /etc/nginx/shipyard-check.conf")
    assert checked.returncode == 0, checked.stdout
    assert "syntax is ok" in checked.stdout
