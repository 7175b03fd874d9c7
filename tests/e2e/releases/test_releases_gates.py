"""Beyond a plain deploy, on two real web hosts: the deploy URL and the push webhooks it takes,
the health-gated activation that switches back by itself, and rollback (API and CLI) with its
warning about migrations."""

from __future__ import annotations

import secrets
from typing import Any

import httpx
import pytest

from tests.support.api import Account, admin, client, new_user
from tests.support.hosts import Host
from tests.support.releases import APP, GitRepository, Hammer, Project, releases_on, serves
from tests.support.server import ShipyardServer
from tests.support.smtp import MailSink

# The app's health page answers 500 while the release holds a file named `unhealthy`.
HEALTH_PHP = (
    "<?php\nif (file_exists(__DIR__ . '/../unhealthy')) { http_response_code(500); echo 'sick'; }\n"
    "else { echo 'ok'; }\n"
)
MIGRATION = "database/migrations/2026_11_24_000000_create_orders_table.php"


@pytest.fixture
def owner(server: ShipyardServer) -> Account:
    return new_user(server, admin(server))


def github_push(branch: str, commit: str) -> dict[str, Any]:
    """GitHub's push payload (the parts a receiver reads, as GitHub documents them)."""
    return {
        "ref": f"refs/heads/{branch}", "before": "0" * 40, "after": commit, "created": False,
        "deleted": False, "forced": False, "base_ref": None,
        "repository": {"name": "app", "full_name": "acme/app", "default_branch": "main"},
        "head_commit": {"id": commit, "message": "Release", "author": {"name": "Ada Lovelace"}},
        "pusher": {"name": "ada", "email": "ada@example.test"},
    }  # fmt: skip


def live_release(host: Host) -> str:
    return host.run(f"readlink {APP}/current").stdout.strip().rsplit("/", 1)[-1]


def test_deploy_url_and_push_webhooks(
    server: ShipyardServer, owner: Account, repo: GitRepository, web: list[Host]
) -> None:
    with client(server, owner) as http:
        project = Project(http, repo, web, push_to_deploy=True)
        hook = f"/deploy/{project.data['token']}"
        anonymous = httpx.Client(base_url=server.url, timeout=30)
        v1 = repo.commit("v1")
        repo.commit("v2")
        # A push names its commit: that one is deployed, not whatever the branch holds by then.
        pushed = anonymous.post(hook, json=github_push("main", v1), headers={"X-GitHub-Event": "push"})
        assert pushed.status_code == 200, pushed.text
        assert pushed.json()["deployment"] is not None and "github" in pushed.json()["message"]
        done = project.wait(pushed.json()["deployment"]["id"])
        assert done["commit_hash"] == v1 and done["commit_branch"] == "main"
        assert [serves(host) for host in web] == ["v1", "v1"]

        other = anonymous.post(
            hook,
            json={"object_kind": "push", "ref": "refs/heads/feature/x", "after": v1},
            headers={"X-Gitlab-Event": "Push Hook"},
        )
        assert other.status_code == 200 and other.json()["deployment"] is None
        assert "feature/x" in other.json()["message"] and "main" in other.json()["message"]
        tag = anonymous.post(
            hook, json=github_push("main", v1) | {"ref": "refs/tags/v1"}, headers={"X-GitHub-Event": "push"}
        )
        assert tag.json()["deployment"] is None and "not a branch" in tag.json()["message"]
        assert anonymous.post("/deploy/not-a-token", json={}).status_code == 404
        assert len(project.deployments()) == 1

        # Without a provider's headers the URL deploys the branch as it is now (Envoyer's deploy URL).
        plain = anonymous.post(hook)
        assert plain.status_code == 200 and plain.json()["deployment"] is not None
        project.wait(plain.json()["deployment"]["id"])
        assert [serves(host) for host in web] == ["v2", "v2"]
        assert anonymous.post(hook, params={"sha": "$(id)"}).status_code == 422

        source = {"provider": "custom", "repository": repo.url, "branch": "main", "push_to_deploy": False}
        assert http.put(f"{project.base}/source", json=source).status_code == 200
        off = anonymous.post(hook, json=github_push("main", v1), headers={"X-GitHub-Event": "push"})
        assert off.status_code == 200 and off.json()["deployment"] is None
        assert "push to deploy is off" in off.json()["message"]
        assert len(project.deployments()) == 2
        anonymous.close()


def test_failing_health_check_switches_back_by_itself(
    server: ShipyardServer, owner: Account, repo: GitRepository, web: list[Host], mail_sink: MailSink
) -> None:
    with client(server, owner) as http:
        project = Project(
            http, repo, web, health_url="http://app.test/health.php", health_window=3, retain_deployments=5
        )
        assert project.data["health_url"] == "http://app.test/health.php"
        address = f"health-{secrets.token_hex(3)}@example.test"
        notified = http.post(
            f"{project.base}/notifications", json={"name": "Ops", "type": "email", "email_address": address}
        )
        assert notified.status_code == 200, notified.text
        repo.commit("v1", files={"public/health.php": HEALTH_PHP})
        first = project.wait(project.deploy())
        checks = [p for p in first["processes"] if p["name"] == "Check Health"]
        assert len(checks) == 2 and all("HTTP 200" in p["output"] for p in checks)
        v1 = [live_release(host) for host in web]

        repo.commit("v2", files={"public/health.php": HEALTH_PHP, "unhealthy": "yes\n"})
        with Hammer(web) as hammer:
            deployment_id = project.deploy()
            failed = project.wait(deployment_id, "failed")
            after = [serves(host) for host in web]
        assert "health check failed on web-" in failed["reason"] and "HTTP 500" in failed["reason"]
        assert "Switched back" in failed["reason"]
        assert after == ["v1", "v1"] and [live_release(host) for host in web] == v1
        assert hammer.failures == [], hammer.failures[:5]
        for host in web:
            assert failed["release"] not in releases_on(host)
        assert any(p["name"] == "Check Health" and p["status"] == "failed" for p in failed["processes"])
        subjects = [mail.subject for mail in mail_sink.wait_for(address, 2, 60)]
        assert subjects == ["App: deployment finished", "App: health check failed"], subjects
        shown = http.get(project.base).json()["project"]
        assert shown["last_deployment_status"] == "failed"

        bad = http.put(project.base, json={"health_url": "ftp://x; rm -rf /"})
        assert bad.status_code == 422 and "health_url" in bad.json()["errors"]


def test_rollback_makes_the_earlier_release_live_and_warns_about_migrations(
    server: ShipyardServer, owner: Account, repo: GitRepository, web: list[Host]
) -> None:
    with client(server, owner) as http:
        project = Project(http, repo, web, type="laravel-5")
        assert http.post(f"{project.base}/rollback", json={}).status_code == 422
        repo.commit("v1")
        first = project.wait(project.deploy())
        repo.commit("v2", files={MIGRATION: "<?php\nreturn new class {};\n"})
        second = project.wait(project.deploy())
        assert [serves(host) for host in web] == ["v2", "v2"]

        response = http.post(f"{project.base}/rollback", json={})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["warnings"] and MIGRATION.rsplit("/", 1)[-1] in body["warnings"][0]
        assert body["deployment"]["release"] == first["release"]
        done = project.wait(body["deployment"]["id"])
        assert [serves(host) for host in web] == ["v1", "v1"]
        assert [live_release(host) for host in web] == [first["release"]] * 2
        assert sorted(p["name"] for p in done["processes"]) == ["Activate New Release"] * 2
        assert done["commit_hash"] == first["commit_hash"]

        # The CLI rolls forward to v2 the same way.
        cli = server.cli("releases", "rollback", str(project.id), "--to", str(second["id"]))
        assert "finished" in cli.stdout and "warning" in cli.stdout, cli.stdout + cli.stderr
        assert [serves(host) for host in web] == ["v2", "v2"]

        web[1].run(f"rm -rf {APP}/releases/{first['release']}")
        gone = http.post(f"{project.base}/rollback", json={"deployment_id": first["id"]})
        assert gone.status_code == 422
        assert "no longer on web-2" in gone.json()["errors"]["deployment_id"][0]
        assert [serves(host) for host in web] == ["v2", "v2"]
