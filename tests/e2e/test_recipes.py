"""Recipes run their script on several real hosts at once, as the chosen user, one event per host."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.api import Account, client, new_user
from tests.support.forge import Provisioned, events, wait_ready, wait_until
from tests.support.hosts import Host, HostPool
from tests.support.server import ShipyardServer
from tests.support.smtp import MailSink
from tests.support.templates import provisioned_template


@pytest.fixture(scope="module")
def fleet(
    server: ShipyardServer, provisioned: Provisioned, hosts: HostPool
) -> Iterator[list[tuple[int, Host]]]:
    """The shared provisioned server plus two more of the same owner, provisioned side by side."""
    template = provisioned_template(hosts)
    extra = [hosts.up(template=template), hosts.up(template=template)]
    with client(server, provisioned.owner) as http:
        ids = []
        for index, host in enumerate(extra):
            created = http.post(
                "/api/v1/servers",
                json={
                    "provider": "custom",
                    "name": f"recipe-{index}",
                    "ip_address": host.ip,
                    "type": "web",
                    "root_private_key": hosts.root_key(),
                },
            )
            assert created.status_code == 200, created.text
            ids.append(created.json()["server"]["id"])
        for server_id in ids:
            wait_ready(http, server_id)
        yield [(provisioned.server_id, provisioned.host), *zip(ids, extra, strict=True)]
        for server_id in ids:
            assert http.delete(f"/api/v1/servers/{server_id}").status_code in (200, 204)
    for host in extra:
        hosts.down(host)


# The printf line is output that is not text: a NUL and a byte that is not UTF-8.
SCRIPT = (
    'set -e\necho "ran on $(hostname) as $(whoami) in $PWD"\n'
    "printf 'raw:\\0:\\377:end\\n'\ntouch /tmp/recipe-marker\n"
)


def recipe_events(http: Any, server_id: int, recipe_id: int) -> list[dict[str, Any]]:
    return [e for e in events(http, server_id) if e["description"].endswith(f"(#{recipe_id})")]


def finished_event(http: Any, server_id: int, recipe_id: int) -> dict[str, Any] | None:
    done = [e for e in recipe_events(http, server_id, recipe_id) if e["status"] != "running"]
    return done[0] if done else None


def test_a_recipe_runs_on_three_hosts_with_output_per_host(
    server: ShipyardServer, provisioned: Provisioned, fleet: list[tuple[int, Host]]
) -> None:
    with client(server, provisioned.owner) as http:
        created = http.post(
            "/api/v1/recipes",
            json={
                "name": "Who am I",
                "user": "forge",
                "script": SCRIPT,
            },
        )
        assert created.status_code == 200, created.text
        recipe = created.json()["recipe"]
        assert recipe["user"] == "forge" and recipe["name"] == "Who am I" and recipe["created_at"]
        rid = recipe["id"]
        for _, host in fleet:
            host.run("rm -f /tmp/recipe-marker")

        ran = http.post(f"/api/v1/recipes/{rid}/run", json={"servers": [sid for sid, _ in fleet]})
        assert ran.status_code == 200, ran.text

        for sid, host in fleet:
            event = wait_until(lambda sid=sid: finished_event(http, sid, rid), 120, "the recipe's event")
            output = http.get(f"/api/v1/servers/{sid}/events/{event['id']}").json()["output"]
            assert event["status"] == "finished", output
            assert event["ran_as"] == "forge"
            hostname = host.run("hostname").stdout.strip()
            assert f"ran on {hostname} as forge in /home/forge" in output
            assert "raw:\ufffd:\ufffd:end" in output  # stored and shown, on PostgreSQL too
            assert host.run("stat -c %U /tmp/recipe-marker").stdout.strip() == "forge"


def test_a_failing_recipe_is_a_failed_event_and_runs_once(
    server: ShipyardServer, provisioned: Provisioned
) -> None:
    sid = provisioned.server_id
    with client(server, provisioned.owner) as http:
        rid = http.post(
            "/api/v1/recipes",
            json={"name": "Broken", "script": "echo attempt >> /root/recipe-attempts\necho doomed; exit 3"},
        ).json()["recipe"]["id"]
        provisioned.host.run("rm -f /root/recipe-attempts")
        assert (
            http.post(f"/api/v1/recipes/{rid}/run", json={"servers": [sid], "notify": False}).status_code
            == 200
        )
        event = wait_until(lambda: finished_event(http, sid, rid), 120, "the recipe's event")
        assert event["status"] == "failed" and event["ran_as"] == "root"
        assert "doomed" in http.get(f"/api/v1/servers/{sid}/events/{event['id']}").json()["output"]
        # Not retried: a recipe may not be safe to run twice.
        assert provisioned.host.run("cat /root/recipe-attempts").stdout.split() == ["attempt"]


def test_notify_e_mails_the_runner_each_servers_result(
    server: ShipyardServer, provisioned: Provisioned, mail_sink: MailSink
) -> None:
    sid = provisioned.server_id
    with client(server, provisioned.owner) as http:
        address = http.get("/api/v1/user").json()["user"]["email"]
        quiet = http.post("/api/v1/recipes", json={"name": "Quiet", "script": "echo shh"}).json()["recipe"]
        loud = http.post(
            "/api/v1/recipes", json={"name": "Loud", "script": "echo first line\necho the-last-word; exit 4"}
        ).json()["recipe"]
        for recipe, notify in ((quiet, False), (loud, True)):
            ran = http.post(f"/api/v1/recipes/{recipe['id']}/run", json={"servers": [sid], "notify": notify})
            assert ran.status_code == 200, ran.text
        wait_until(lambda: finished_event(http, sid, quiet["id"]), 120, "the quiet recipe's event")
        wait_until(lambda: finished_event(http, sid, loud["id"]), 120, "the loud recipe's event")
    [mail] = mail_sink.wait_for(address, 1)
    assert mail.subject == "Recipe Loud failed on web-1"
    assert "failed (exit code 4) on web-1" in mail.body and "the-last-word" in mail.body
    # The recipe run without notify sent nothing.
    assert [m.subject for m in mail_sink.to(address)] == ["Recipe Loud failed on web-1"]


def test_recipe_crud_edits_and_ownership(
    server: ShipyardServer, provisioned: Provisioned, admin_account: Account
) -> None:
    with client(server, provisioned.owner) as http:
        rid = http.post("/api/v1/recipes", json={"name": "Edit me", "script": "true"}).json()["recipe"]["id"]
        updated = http.put(
            f"/api/v1/recipes/{rid}", json={"name": "Edited", "user": "forge", "script": "uptime"}
        )
        assert updated.status_code == 200, updated.text
        assert {k: updated.json()["recipe"][k] for k in ("name", "user", "script")} == {
            "name": "Edited",
            "user": "forge",
            "script": "uptime",
        }
        assert http.get(f"/api/v1/recipes/{rid}").json()["recipe"]["name"] == "Edited"
        assert rid in [r["id"] for r in http.get("/api/v1/recipes").json()["recipes"]]

        stranger = new_user(server, admin_account)
        with client(server, stranger) as other:
            assert other.get(f"/api/v1/recipes/{rid}").status_code == 404
            assert other.put(f"/api/v1/recipes/{rid}", json={"name": "x"}).status_code == 404
            assert other.delete(f"/api/v1/recipes/{rid}").status_code == 404
            mine = other.post("/api/v1/recipes", json={"name": "Mine", "script": "true"}).json()["recipe"][
                "id"
            ]
            # Another user's server is not a target: refused, and nothing is queued.
            refused = other.post(f"/api/v1/recipes/{mine}/run", json={"servers": [provisioned.server_id]})
            assert refused.status_code == 422 and "servers.0" in refused.json()["errors"]
            assert other.get("/api/v1/recipes").json()["recipes"][0]["id"] == mine

        assert http.delete(f"/api/v1/recipes/{rid}").status_code == 204
        assert http.get(f"/api/v1/recipes/{rid}").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "user": "root; touch /tmp/pwned", "script": "true"}, "user"),
        ({"name": "x", "user": "$(touch /tmp/pwned)", "script": "true"}, "user"),
        ({"name": "two\nlines", "script": "true"}, "name"),
        ({"name": "x", "script": "   "}, "script"),
    ],
)
def test_bad_recipes_are_refused(
    server: ShipyardServer, provisioned: Provisioned, body: dict[str, Any], field: str
) -> None:
    with client(server, provisioned.owner) as http:
        before = len(http.get("/api/v1/recipes", params={"limit": 50}).json()["recipes"])
        response = http.post("/api/v1/recipes", json=body)
        assert response.status_code == 422, response.text
        assert field in response.json()["errors"]
        assert len(http.get("/api/v1/recipes", params={"limit": 50}).json()["recipes"]) == before
