"""Shell injection through the API: every field of every create endpoint that names something on
the host refuses the payloads with a 422 naming the field, creates nothing, and runs nothing.

The payloads would each create a marker file on the host if any reached a shell unquoted. A field
written `aliases.0` is the first item of a list. Fields that are code or secrets by design (a
daemon's or scheduled job's command, a recipe's script, a template's nginx content, a password)
are not names: they are stored and used as given, quoted whole, and are left out here (so are a
site's deployment script and commands, which travel to the host as files). Server
creation and update are covered in test_servers.py; load balancing (numbers and a method from a
fixed list) in test_site_rules.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import asyncssh
import httpx

from tests.support.api import client
from tests.support.forge import Provisioned, wait_until
from tests.support.pki import Authority
from tests.support.server import ShipyardServer

MARKER = "/tmp/shipyard-injected"
PUBLIC_KEY = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
PRIVATE_KEY, CERTIFICATE, _ = Authority.root("injection").issue(["inj.test"])

PAYLOADS = [
    f"x; touch {MARKER}",
    f"$(touch {MARKER})",
    f"`touch {MARKER}`",
    f"a\ntouch {MARKER}",
    f"a' || touch {MARKER} #",
    f'a" && touch {MARKER} "',
    f"x | touch {MARKER}",
]


@dataclass(frozen=True)
class Endpoint:
    """A create endpoint (path under the server, or absolute), a valid body, and the fields to attack."""

    path: str
    body: dict[str, Any]
    fields: tuple[str, ...]
    listing: str | None = None  # the collection that must not grow, with the key of its list
    key: str | None = None
    method: str = "POST"


def endpoints(token: str, site_id: int) -> list[Endpoint]:
    name = f"inj{token}"
    site = f"/sites/{site_id}"
    return [
        Endpoint(
            "/daemons",
            {"command": "sleep 600", "user": "forge", "directory": "/home/forge", "stopsignal": "SIGTERM"},
            ("user", "directory", "stopsignal"),
            "/daemons",
            "daemons",
        ),
        Endpoint(
            "/firewall-rules",
            {"name": name, "port": 8081, "ip_address": "10.213.0.1", "type": "allow"},
            ("name", "port", "ip_address", "type"),
            "/firewall-rules",
            "rules",
        ),
        Endpoint(
            "/keys",
            {"name": name, "key": PUBLIC_KEY, "username": "forge"},
            ("name", "key", "username"),
            "/keys",
            "keys",
        ),
        Endpoint(
            "/jobs",
            {
                "command": "true",
                "frequency": "custom",
                "user": "forge",
                "minute": "*",
                "hour": "*",
                "day": "*",
                "month": "*",
                "weekday": "*",
            },
            ("frequency", "user", "minute", "hour", "day", "month", "weekday"),
            "/jobs",
            "jobs",
        ),
        Endpoint(
            "/databases",
            {"name": name, "user": f"{name}u", "password": "pw-" + token},
            ("name", "user"),
            "/databases",
            "databases",
        ),
        Endpoint(
            "/database-users",
            {"name": f"{name}u", "password": "pw-" + token, "databases": []},
            ("name",),
            "/database-users",
            "users",
        ),
        Endpoint(
            "/monitors",
            {"type": "disk", "operator": "gte", "threshold": 90, "minutes": 5, "notify": "ops@example.test"},
            ("type", "operator", "notify"),
            "/monitors",
            "monitors",
        ),
        Endpoint(
            "/nginx/templates",
            {"name": name, "content": "server { listen {{ PORT }}; }"},
            ("name",),
            "/nginx/templates",
            "templates",
        ),
        Endpoint("/php", {"version": "php82"}, ("version",)),
        Endpoint("/php/update", {"version": "php82"}, ("version",)),
        Endpoint("/services/restart", {"service": "cron"}, ("service",)),
        Endpoint("/php/reboot", {"version": "php82"}, ("version",)),
        Endpoint("/recipes", {"name": name, "user": "root", "script": "true"}, ("name", "user")),
        Endpoint(
            "/blackfire/install",
            {"server_id": "0b4c6f43-7a1e-4c47-9d0c-2f0d3e1a5b6c", "server_token": "ab" * 32},
            ("server_id", "server_token"),
        ),
        Endpoint("/papertrail/install", {"host": "logs.example.test:12345"}, ("host",)),
        Endpoint(
            "/backup-configs",
            {
                "provider": "custom",
                "credentials": {
                    "endpoint": "http://127.0.0.1:9",
                    "region": "us-east-1",
                    "bucket": f"inj-{token}",
                    "access_key": "key",
                    "secret_key": "secret",
                },
                "frequency": {"type": "custom", "custom": "0 3 * * *"},
                "directory": "backups/db",
                "email": "ops@example.test",
                "retention": 3,
                "databases": [2**31 - 1],  # no such database: refused too, beside the field
            },
            (
                "provider",
                "credentials.endpoint",
                "credentials.region",
                "credentials.bucket",
                "frequency.type",
                "frequency.custom",
                "directory",
                "email",
            ),
            "/backup-configs",
            "backups",
        ),
        Endpoint(
            "/sites",
            {
                "domain": f"{name}.test",
                "project_type": "php",
                "aliases": [f"www.{name}.test"],
                "directory": "/public",
                "isolated": True,
                "username": name,
                "php_version": "php82",
                "nginx_template": "default",
                "database": f"{name}db",
            },
            (
                "domain",
                "aliases.0",
                "directory",
                "username",
                "php_version",
                "nginx_template",
                "database",
                "project_type",
            ),
            "/sites",
            "sites",
        ),
        Endpoint(
            f"{site}/redirect-rules",
            {"from": "/old", "to": "https://example.com/new", "type": "permanent"},
            ("from", "to", "type"),
            f"{site}/redirect-rules",
            "redirect_rules",
        ),
        Endpoint(
            f"{site}/security-rules",
            {"name": name, "path": "/admin", "credentials": [{"username": name, "password": "secret"}]},
            ("name", "path", "credentials.0.username"),
            f"{site}/security-rules",
            "security_rules",
        ),
        Endpoint(
            f"{site}/git",
            {"provider": "custom", "repository": "/srv/git/app.git", "branch": "main", "composer": True},
            ("provider", "repository", "branch"),
        ),
        Endpoint(
            f"{site}/git",
            {"provider": "github", "repository": "acme/shop", "branch": "main"},
            ("repository",),
        ),
        Endpoint(
            f"{site}/webhooks", {"url": "http://127.0.0.1:9/hook"}, ("url",), f"{site}/webhooks", "webhooks"
        ),
        Endpoint(f"{site}/deployment-failure-emails", {"emails": ["ops@example.test"]}, ("emails.0",)),
    ]


def site_endpoints(token: str, site_id: int) -> list[Endpoint]:
    """Endpoints of one site (`site_id`, on the provisioned server)."""
    certificates = f"/sites/{site_id}/certificates"
    return [
        Endpoint(
            certificates,
            {
                "type": "new",
                "domain": f"inj{token}.test",
                "country": "US",
                "state": "NY",
                "city": "New York",
                "organization": "Company",
                "department": "IT",
            },
            ("type", "domain", "country", "state", "city", "organization", "department"),
            certificates,
            "certificates",
        ),
        Endpoint(
            certificates,
            {"type": "existing", "key": PRIVATE_KEY, "certificate": CERTIFICATE},
            ("key", "certificate"),
            certificates,
            "certificates",
        ),
        Endpoint(
            f"{certificates}/letsencrypt",
            {"domains": [f"inj{token}.test"]},
            ("domains.0",),
            certificates,
            "certificates",
        ),
    ]


def app_endpoints(site_id: int) -> list[Endpoint]:
    """The endpoints of one site's workers, integrations, applications and composer credentials."""
    site = f"/sites/{site_id}"
    credential = {"repository_url": "packages.example.com", "username": "oliver", "password": "secret"}
    return [
        Endpoint(
            f"{site}/workers",
            {"connection": "redis", "queue": "default", "environment": "production", "php_version": "php82"},
            ("connection", "queue", "environment", "php_version"),
            f"{site}/workers",
            "workers",
        ),
        Endpoint(f"{site}/integrations/octane", {"server": "swoole"}, ("server",)),
        Endpoint(f"{site}/integrations/reverb", {"host": "ws.example.test"}, ("host",)),
        Endpoint(f"{site}/integrations/laravel-maintenance", {"secret": "s3cret"}, ("secret",)),
        Endpoint(f"{site}/wordpress", {"database": "app", "user": 1}, ("database",)),
        Endpoint(f"{site}/phpmyadmin", {"database": "app", "user": 1}, ("database",)),
        Endpoint(
            f"{site}/packages",
            {"credentials": [credential]},
            ("credentials.0.repository_url", "credentials.0.username"),
            method="PUT",
        ),
    ]


def with_value(body: Any, field: str, value: str) -> Any:
    """A copy of `body` with `field` set to `value`; dotted for a nested field (`credentials.bucket`)
    or an item of a list (`aliases.0`)."""
    head, _, rest = field.partition(".")
    if isinstance(body, list):
        items = list(body)
        items[int(head)] = with_value(items[int(head)], rest, value) if rest else value
        return items
    return {**body, head: with_value(body[head], rest, value) if rest else value}


def url(server_id: int, path: str) -> str:
    return path if path == "/recipes" else f"/servers/{server_id}{path}"


def count(http: httpx.Client, server_id: int, endpoint: Endpoint) -> int | None:
    if endpoint.listing is None or endpoint.key is None:
        return None
    response = http.get(f"/api/v1{url(server_id, endpoint.listing)}")
    assert response.status_code == 200, response.text
    return len(response.json()[endpoint.key])


def test_injection_payloads_are_refused_everywhere_and_run_nothing(
    server: ShipyardServer, provisioned: Provisioned
) -> None:
    sid, host = provisioned.server_id, provisioned.host
    host.run(f"rm -f {MARKER}")
    accepted: list[tuple[str, str, str, int]] = []
    with client(server, provisioned.owner) as http:
        created = http.post(
            f"/api/v1/servers/{sid}/sites", json={"domain": f"inj-{secrets.token_hex(3)}.test"}
        )
        assert created.status_code == 200, created.text
        site_id = created.json()["site"]["id"]
        site_url = f"/api/v1/servers/{sid}/sites/{site_id}"
        wait_until(lambda: http.get(site_url).json()["site"]["status"] == "installed", 180, "the site")
        token = secrets.token_hex(3)
        for endpoint in [
            *endpoints(token, site_id),
            *site_endpoints(token, site_id),
            *app_endpoints(site_id),
        ]:
            before = count(http, sid, endpoint)
            for attacked in endpoint.fields:
                for payload in PAYLOADS:
                    body = with_value(endpoint.body, attacked, payload)
                    response = http.request(endpoint.method, f"/api/v1{url(sid, endpoint.path)}", json=body)
                    errors = response.json().get("errors", {}) if response.status_code == 422 else {}
                    if response.status_code != 422 or attacked not in errors:
                        accepted.append((endpoint.path, attacked, payload, response.status_code))
            if count(http, sid, endpoint) != before:
                accepted.append((endpoint.path, "*", "created something", 0))
        after = http.get(f"/api/v1/servers/{sid}").json()["server"]
        assert after["blackfire_status"] is None and after["papertrail_status"] is None
        recipes = http.get("/api/v1/recipes").json()["recipes"]
        assert not [r for r in recipes if r["name"].startswith("inj")]
        assert http.get(site_url).json()["site"]["repository"] is None
        assert http.delete(site_url).status_code == 204
        wait_until(lambda: http.get(site_url).status_code == 404, 120, "the site's removal")
    assert not accepted, "\n".join(
        sorted({f"{path} {attacked}: {status}" for path, attacked, _, status in accepted})
    )
    assert host.run(f"test -e {MARKER}", check=False).returncode != 0, "a payload ran on the host"
