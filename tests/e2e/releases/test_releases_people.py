"""Zero-downtime projects, the people and machines around them (the Envoyer API): collaborators
who see and deploy a project until removed; notifications really sent by e-mail (a real SMTP
server) and to Slack, Discord and Teams webhooks (a real HTTP receiver) when a deployment
finishes or fails, a heartbeat goes missing and comes back, or the monitor URL fails."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.api import Account, admin, client, new_user
from tests.support.forge import wait_until
from tests.support.hosts import Host
from tests.support.postgres import PostgresCluster
from tests.support.releases import GitRepository, Project, database_dump, serves
from tests.support.server import ShipyardServer
from tests.support.smtp import MailSink
from tests.support.webhooks import WebhookReceiver

NOTIFY_SECONDS = 60


@pytest.fixture
def owner(server: ShipyardServer) -> Account:
    return new_user(server, admin(server))


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    started = WebhookReceiver().start()
    yield started
    started.stop()


def _project(http: httpx.Client, **fields: Any) -> dict[str, Any]:
    """A project with no servers (heartbeats and monitors need none)."""
    created = http.post(
        "/api/projects",
        json={"name": "Beats", "provider": "custom", "repository": "git://example.test/app.git", **fields},
    )
    assert created.status_code == 200, created.text
    project: dict[str, Any] = created.json()["project"]
    return project


def _notify(http: httpx.Client, base: str, **body: str) -> dict[str, Any]:
    created = http.post(f"{base}/notifications", json=body)
    assert created.status_code == 200, created.text
    notification: dict[str, Any] = created.json()["notifications"][-1]
    assert notification["name"] == body["name"] and notification["type"] == body["type"]
    return notification


def test_a_collaborator_sees_and_deploys_until_removed(
    server: ShipyardServer, owner: Account, repo: GitRepository, web: list[Host]
) -> None:
    helper = new_user(server, admin(server))
    helper_email = f"{helper.name}@example.test"
    with client(server, owner) as http, client(server, helper) as theirs:
        project = Project(http, repo, web)
        base = project.base
        collaborators = f"{base}/collaborators"
        unknown = http.post(collaborators, json={"email": "nobody-here@example.test"})
        assert unknown.status_code == 422 and "email" in unknown.json()["errors"]
        itself = http.post(collaborators, json={"email": f"{owner.name}@example.test"})
        assert itself.status_code == 422 and "email" in itself.json()["errors"]
        assert theirs.get(base).status_code == 404

        added = http.post(collaborators, data={"email": helper_email.upper()})
        assert added.status_code == 200, added.text
        expected = {
            "id": helper.id, "name": helper.name, "email": helper_email,
            "pivot": {"project_id": project.id, "collaborator_id": helper.id, "status": "accepted"},
        }  # fmt: skip
        assert added.json() == {"collaborators": [expected]}
        assert http.post(collaborators, json={"email": helper_email}).json() == {"collaborators": [expected]}
        assert http.get(f"{collaborators}/{helper.id}").json() == {"collaborator": expected}
        assert http.get(f"{collaborators}/{owner.id}").status_code == 404

        # The collaborator sees the project and its servers, and deploys it.
        assert [p["id"] for p in theirs.get("/api/projects").json()["projects"]] == [project.id]
        shown = theirs.get(base).json()["project"]
        assert shown["user_id"] == owner.id and len(shown["servers"]) == 2
        assert shown["token"] == "" and project.data["token"]  # the deploy URL stays the owner's
        assert len(theirs.get(f"{base}/servers").json()["servers"]) == 2
        server_id = project.servers[0]["id"]
        assert theirs.get(f"{base}/servers/{server_id}").status_code == 200
        version = f"by-collaborator-{secrets.token_hex(3)}"
        repo.commit(version)
        deployed = theirs.post(f"{base}/deployments", json={})
        assert deployed.status_code == 200, deployed.text
        deployment_id = deployed.json()["deployment"]["id"]
        done = project.wait(deployment_id)
        assert done["user_id"] == helper.id
        assert [serves(host) for host in web] == [version, version]
        assert theirs.get(f"{base}/deployments/{deployment_id}").status_code == 200
        assert [d["id"] for d in theirs.get(f"{base}/deployments").json()["deployments"]] == [deployment_id]

        # Settings, destructive operations and the project's other resources are the owner's.
        owner_only = [
            ("PUT", base, {"name": "Mine now"}),
            ("PUT", f"{base}/source", {"provider": "custom", "repository": repo.url, "branch": "x"}),
            ("DELETE", base, None),
            ("POST", f"{base}/folders", {"from": "storage", "to": "storage"}),
            ("POST", f"{base}/servers", {"name": "x", "connectAs": "deploy", "host": "10.0.0.1",
                                         "phpVersion": "php82", "deploymentPath": "/srv/x"}),
            ("PUT", f"{base}/servers/{server_id}", {"name": "renamed"}),
            ("POST", f"{base}/servers/{server_id}/refresh", None),
            ("DELETE", f"{base}/servers/{server_id}", None),
            ("GET", f"{base}/hooks", None),
            ("POST", f"{base}/hooks", {"name": "x", "script": "id", "runAs": "deploy", "actionId": 1,
                                       "timing": "after"}),
            ("GET", f"{base}/environment?key=k", None),
            ("GET", f"{base}/environment/servers", None),
            ("DELETE", f"{base}/environment", {"key": "k"}),
            ("GET", collaborators, None),
            ("POST", collaborators, {"email": helper_email}),
            ("DELETE", collaborators, {"email": helper_email}),
            ("GET", f"{base}/notifications", None),
            ("POST", f"{base}/notifications", {"name": "x", "type": "email", "email_address": "a@b.test"}),
            ("GET", f"{base}/heartbeats", None),
            ("POST", f"{base}/heartbeats", {"name": "x", "interval": 10}),
        ]  # fmt: skip
        for method, url, body in owner_only:
            answer = theirs.request(method, url, json=body)
            assert answer.status_code == 404, (method, url, answer.status_code, answer.text)
        assert http.get(base).json()["project"]["name"] == "App"
        assert len(http.get(f"{base}/servers").json()["servers"]) == 2

        # Removal takes effect on the collaborator's very next request.
        removed = http.request("DELETE", collaborators, data={"email": helper_email})
        assert removed.status_code == 204, removed.text
        assert theirs.get(base).status_code == 404
        assert theirs.get("/api/projects").json() == {"projects": []}
        assert theirs.post(f"{base}/deployments", json={}).status_code == 404
        assert theirs.get(f"{base}/deployments/{deployment_id}").status_code == 404
        assert http.get(collaborators).json() == {"collaborators": []}
        assert http.request("DELETE", collaborators, json={"email": helper_email}).status_code == 404
        http.delete(base)


def test_deployments_are_announced_by_email_and_to_chat_webhooks(
    server: ShipyardServer,
    owner: Account,
    repo: GitRepository,
    web: list[Host],
    mail_sink: MailSink,
    receiver: WebhookReceiver,
    pg_cluster: PostgresCluster,
) -> None:
    address = f"ops-{secrets.token_hex(4)}@example.test"
    secret_path = f"/services/T0/B0/{secrets.token_hex(12)}"
    with client(server, owner) as http:
        project = Project(http, repo, web)
        base = project.base
        missing = http.post(f"{base}/notifications", json={"name": "Chat", "type": "slack"})
        assert missing.status_code == 422 and "slack_webhook" in missing.json()["errors"]
        for field, kind, value in (
            ("slack_webhook", "slack", "ftp://hooks.example.test/x"),
            ("discord_webhook", "discord", "https:///no-host"),
            ("teams_webhook", "teams", "http://a b.test/"),
            ("email_address", "email", "not an address"),
        ):
            bad = http.post(f"{base}/notifications", json={"name": "Bad", "type": kind, field: value})
            assert bad.status_code == 422 and field in bad.json()["errors"], bad.text

        mail = _notify(http, base, name="Ops", type="email", email_address=address)
        assert mail["options"] == {"email": address} and mail["active"] == 1
        slack = _notify(
            http, base, name="Slack", type="slack", slack_webhook=receiver.url(f"/slack{secret_path}")
        )
        assert slack["options"]["webhook"].startswith(f"http://127.0.0.1:{receiver.port}/")
        assert secret_path not in slack["options"]["webhook"]
        _notify(http, base, name="Discord", type="discord", discord_webhook=receiver.url("/discord"))
        teams = _notify(http, base, name="Teams", type="teams", teams_webhook=receiver.url("/teams"))
        listed = http.get(f"{base}/notifications").json()["notifications"]
        assert [n["name"] for n in listed] == ["Ops", "Slack", "Discord", "Teams"]
        assert secret_path.encode() not in database_dump(server, pg_cluster)
        receiver.fail_first(f"/slack{secret_path}", 1)

        version = f"v-{secrets.token_hex(3)}"
        repo.commit(version)
        finished = project.wait(project.deploy())
        [email] = mail_sink.wait_for(address, 1, NOTIFY_SECONDS)
        assert email.subject == "App: deployment finished"
        assert f"Commit: {finished['commit_hash'][:7]}" in email.body and "Branch: main" in email.body
        [posted] = receiver.wait_for(f"/slack{secret_path}", 1, NOTIFY_SECONDS)
        assert receiver.attempts[f"/slack{secret_path}"] == 2  # the first answer was a 500: retried
        assert posted.headers["content-type"] == "application/json"
        assert posted.body["text"] == "App: deployment finished"
        assert posted.body["attachments"][0]["color"] == "good"
        fields = {f["title"]: f["value"] for f in posted.body["attachments"][0]["fields"]}
        assert fields["Commit"] == finished["commit_hash"][:7] and fields["Release"] == finished["release"]
        [embed] = receiver.wait_for("/discord", 1, NOTIFY_SECONDS)[0].body["embeds"]
        assert embed["title"] == "App: deployment finished" and embed["color"] == 0x2EB67D
        [card] = receiver.wait_for("/teams", 1, NOTIFY_SECONDS)[0].body["attachments"]
        assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert card["content"]["body"][0]["text"] == "App: deployment finished"

        project.hook(name="Break", script="echo about to fail; exit 3", runAs="deploy", actionId=3,
                     timing="before", servers=[])  # fmt: skip
        repo.commit(f"{version}-broken")
        failed = project.wait(project.deploy(), "failed")
        assert [serves(host) for host in web] == [version, version]
        email = mail_sink.wait_for(address, 2, NOTIFY_SECONDS)[1]
        assert email.subject == "App: deployment failed"
        assert failed["reason"] in email.body and "Break" in email.body
        posted = receiver.wait_for(f"/slack{secret_path}", 2, NOTIFY_SECONDS)[1]
        assert posted.body["attachments"][0]["color"] == "danger"
        assert failed["reason"] in posted.body["attachments"][0]["text"]
        embed = receiver.wait_for("/discord", 2, NOTIFY_SECONDS)[1].body["embeds"][0]
        assert embed["title"] == "App: deployment failed" and failed["reason"] in embed["description"]
        card = receiver.wait_for("/teams", 2, NOTIFY_SECONDS)[1].body["attachments"][0]["content"]
        assert card["body"][0]["color"] == "Attention" and card["body"][1]["text"] == failed["reason"]

        # Update and delete: a deleted notification is told nothing more.
        renamed = http.put(f"{base}/notifications/{teams['id']}", json={"name": "Teams ops"})
        assert renamed.status_code == 200 and renamed.json()["notification"]["name"] == "Teams ops"
        retyped = http.put(f"{base}/notifications/{teams['id']}", json={"type": "email"})
        assert retyped.status_code == 422 and "email_address" in retyped.json()["errors"]
        assert http.delete(f"{base}/notifications/{teams['id']}").status_code == 204
        assert http.get(f"{base}/notifications/{teams['id']}").status_code == 404
        http.delete(base)


def test_a_heartbeat_goes_missing_then_healthy_and_each_change_is_announced_once(
    server: ShipyardServer, owner: Account, mail_sink: MailSink, receiver: WebhookReceiver
) -> None:
    address = f"beats-{secrets.token_hex(4)}@example.test"
    with client(server, owner) as http, httpx.Client(base_url=server.url, timeout=30) as anonymous:
        project = _project(http)
        base = f"/api/projects/{project['id']}"
        bad = http.post(f"{base}/heartbeats", json={"name": "Nightly; rm", "interval": 7})
        assert bad.status_code == 422 and set(bad.json()["errors"]) == {"name", "interval"}
        created = http.post(f"{base}/heartbeats", json={"name": "Queue", "interval": 10})
        assert created.status_code == 200, created.text
        heartbeat = created.json()["heartbeat"]
        assert heartbeat["status"] == "healthy" and heartbeat["interval"] == 10
        assert heartbeat["last_checked_in_at"] == heartbeat["created_at"] and len(heartbeat["token"]) >= 30
        url = f"{base}/heartbeats/{heartbeat['id']}"
        assert http.get(f"{base}/heartbeats").json() == {"heartbeats": [heartbeat]}
        _notify(http, base, name="Ops", type="email", email_address=address)
        _notify(http, base, name="Slack", type="slack", slack_webhook=receiver.url("/beats"))

        checked = anonymous.get(f"/heartbeat/{heartbeat['token']}")
        assert checked.status_code == 200 and checked.json()["status"] == "healthy"
        assert http.get(url).json()["heartbeat"]["last_checked_in_at"] != heartbeat["last_checked_in_at"]

        # No check-in for ten (test) minutes plus the grace minute: missing.
        gone = wait_until(lambda: (h := http.get(url).json()["heartbeat"])["status"] == "missing" and h, 30,
                          "the heartbeat to go missing", every=0.2)  # fmt: skip
        assert gone["last_checked_in_at"] == checked.json()["last_checked_in_at"]
        assert http.get(base).json()["project"]["has_missing_heartbeats"] is True
        [email] = mail_sink.wait_for(address, 1, NOTIFY_SECONDS)
        assert email.subject == "Beats: heartbeat 'Queue' is missing"
        assert "Interval: 10 minutes" in email.body
        [posted] = receiver.wait_for("/beats", 1, NOTIFY_SECONDS)
        assert posted.body["text"] == "Beats: heartbeat 'Queue' is missing"

        back = anonymous.post(f"/heartbeat/{heartbeat['token']}")
        assert back.status_code == 200 and back.json()["status"] == "healthy"
        assert http.get(url).json()["heartbeat"]["status"] == "healthy"
        assert http.get(base).json()["project"]["has_missing_heartbeats"] is False
        emails = mail_sink.wait_for(address, 2, NOTIFY_SECONDS)
        assert [m.subject for m in emails] == [
            "Beats: heartbeat 'Queue' is missing", "Beats: heartbeat 'Queue' is healthy again",
        ]  # fmt: skip
        assert receiver.wait_for("/beats", 2, NOTIFY_SECONDS)[1].body["attachments"][0]["color"] == "good"
        # Missing again later: one more announcement per change, never one per sweep.
        wait_until(lambda: http.get(url).json()["heartbeat"]["status"] == "missing", 30, "missing again")
        mail_sink.wait_for(address, 3, NOTIFY_SECONDS)
        assert anonymous.get(f"/heartbeat/{heartbeat['token']}").status_code == 200
        assert [m.subject.rsplit(" ", 1)[-1] for m in mail_sink.wait_for(address, 4, NOTIFY_SECONDS)] == [
            "missing", "again", "missing", "again",
        ]  # fmt: skip
        assert http.delete(url).status_code == 204
        assert len(mail_sink.to(address)) == 4

        assert anonymous.get(f"/heartbeat/{'x' * 40}").status_code == 404
        assert anonymous.get(url).status_code == 401
        assert http.get(url).status_code == 404
        assert anonymous.get(f"/heartbeat/{heartbeat['token']}").status_code == 404
        http.delete(base)


def test_the_monitor_url_is_checked_from_this_installation(
    server: ShipyardServer, owner: Account, receiver: WebhookReceiver
) -> None:
    with client(server, owner) as http:
        project = _project(http, monitor=receiver.url("/up"))
        base = f"/api/projects/{project['id']}"
        assert project["new_york_status"] is None and project["has_monitoring_error"] is False
        _notify(http, base, name="Slack", type="slack", slack_webhook=receiver.url("/monitor"))

        def regions() -> tuple[str | None, ...]:
            shown = http.get(base).json()["project"]
            return (shown["new_york_status"], shown["london_status"], shown["singapore_status"],
                    shown["has_monitoring_error"])  # fmt: skip

        wait_until(lambda: regions() == ("healthy", "healthy", "healthy", False), 30, "a healthy check", 0.2)
        receiver.answer("/up", 503)
        wait_until(lambda: regions() == ("unhealthy",) * 3 + (True,), 30, "an unhealthy check", 0.2)
        [failing] = receiver.wait_for("/monitor", 1, NOTIFY_SECONDS)
        assert (
            failing.body["text"] == "Beats: monitor failing"
            and "503" in failing.body["attachments"][0]["text"]
        )
        receiver.answer("/up", 200)
        wait_until(lambda: regions() == ("healthy", "healthy", "healthy", False), 30, "a healthy check", 0.2)
        recovered = receiver.wait_for("/monitor", 2, NOTIFY_SECONDS)[1]
        assert recovered.body["text"] == "Beats: monitor healthy"
        # A new URL starts unknown again.
        moved = http.put(base, json={"monitor": receiver.url("/elsewhere")}).json()["project"]
        assert moved["new_york_status"] is None
        assert http.put(base, json={"monitor": "gopher://x"}).status_code == 422
        http.delete(base)
        assert len(receiver.to("/monitor")) == 2
