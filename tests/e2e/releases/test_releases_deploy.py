"""Zero-downtime deployments (the Envoyer API) on two real web hosts serving the same PHP app:
every server builds the release, then all go live at once; a failing hook or a cancel leaves
the old release serving everywhere; retention; the environment file, sealed in the database."""

from __future__ import annotations

import itertools

import pytest

from tests.support.api import Account, admin, client, new_user
from tests.support.forge import wait_until
from tests.support.hosts import Host
from tests.support.postgres import PostgresCluster
from tests.support.releases import (
    APP,
    DEPLOY_SECONDS,
    GitRepository,
    Hammer,
    Project,
    authorize,
    database_dump,
    releases_on,
    serves,
)
from tests.support.server import ShipyardServer


@pytest.fixture
def owner(server: ShipyardServer) -> Account:
    return new_user(server, admin(server))


def test_actions_and_project_crud(server: ShipyardServer, owner: Account, repo: GitRepository) -> None:
    with client(server, owner) as http:
        actions = http.get("/api/actions").json()["actions"]
        assert [a["name"] for a in actions] == [
            "Clone New Release", "Install Composer Dependencies", "Activate New Release",
            "Purge Old Releases",
        ]  # fmt: skip
        created = http.post(
            "/api/projects",
            data={"name": "Laravel", "provider": "github", "repository": "laravel/laravel", "branch": "main",
                  "type": "laravel-5", "retain_deployments": "5", "composer": "1"},
        )  # fmt: skip
        assert created.status_code == 200, created.text
        project = created.json()["project"]
        assert project["repository"] == "git@github.com:laravel/laravel.git"
        assert project["plain_repository"] == "laravel/laravel" and project["install_dependencies"] is True
        assert (
            len(project["token"]) >= 30 and project["servers"] == [] and project["has_environment"] is False
        )
        base = f"/api/projects/{project['id']}"
        updated = http.put(base, json={"name": "Renamed", "retain_deployments": 3}).json()["project"]
        assert (updated["name"], updated["retain_deployments"]) == ("Renamed", 3)
        source = http.put(
            f"{base}/source", json={"provider": "custom", "repository": repo.url, "branch": "dev"}
        )
        assert source.status_code == 200 and source.json()["project"]["repository"] == repo.url
        bad = http.put(
            f"{base}/source", json={"provider": "custom", "repository": "x; rm -rf /", "branch": "-x"}
        )
        assert bad.status_code == 422 and set(bad.json()["errors"]) == {"repository", "branch"}
        folders = http.post(f"{base}/folders", json={"from": "public/uploads", "to": "storage/uploads"})
        assert folders.json() == {"folders": [{"from": "public/uploads", "to": "storage/uploads"}]}
        assert http.post(f"{base}/folders", json={"from": "../x", "to": "y"}).status_code == 422
        assert http.request(
            "DELETE", f"{base}/folders", data={"from": "public/uploads", "to": "storage/uploads"}
        ).json() == {"folders": []}
        stranger = new_user(server, admin(server))
        with client(server, stranger) as other:
            assert other.get(base).status_code == 404
            assert other.get("/api/projects").json() == {"projects": []}
        assert http.delete(base).status_code == 204
        assert http.get(base).status_code == 404


def test_servers_refresh_connects_with_the_project_key(
    server: ShipyardServer, owner: Account, repo: GitRepository, web: list[Host]
) -> None:
    with client(server, owner) as http:
        for host in web:
            host.run("truncate -s 0 /home/deploy/.ssh/authorized_keys")
        created = http.post(
            "/api/projects",
            json={"name": "Keys", "provider": "custom", "repository": repo.url, "branch": "main"},
        ).json()["project"]
        base = f"/api/projects/{created['id']}/servers"
        response = http.post(
            base, json={"name": "web", "connectAs": "deploy", "host": web[0].ip, "phpVersion": "php82",
                        "deploymentPath": APP},
        )  # fmt: skip
        assert response.status_code == 200, response.text
        srv = response.json()["server"]
        assert (
            srv["port"] == "22" and srv["ip_address"] == web[0].ip and srv["connection_status"] == "unknown"
        )
        assert srv["public_key"].startswith("ssh-ed25519 ")
        refused = http.post(f"{base}/{srv['id']}/refresh").json()["server"]
        assert refused["connection_status"] == "failed" and "refused" in refused["connection_error"]
        authorize(web[0], srv["public_key"])
        accepted = http.post(f"{base}/{srv['id']}/refresh").json()["server"]
        assert accepted["connection_status"] == "successful", accepted
        # Injection payloads are refused before anything reaches a host.
        bad = http.post(
            base, json={"name": "x", "connectAs": "deploy;id", "host": "a b", "phpVersion": "php99",
                        "deploymentPath": "/tmp/$(id)"},
        )  # fmt: skip
        assert bad.status_code == 422
        assert set(bad.json()["errors"]) == {"connectAs", "host", "phpVersion", "deploymentPath"}
        renamed = http.put(f"{base}/{srv['id']}", json={"name": "web-renamed"}).json()["server"]
        assert renamed["name"] == "web-renamed"
        assert http.delete(f"{base}/{srv['id']}").status_code == 204
        assert http.get(f"{base}/{srv['id']}").status_code == 404
        http.delete(f"/api/projects/{created['id']}")


def test_deploy_v1_then_v2_without_a_failed_request(
    server: ShipyardServer, owner: Account, repo: GitRepository, web: list[Host]
) -> None:
    with client(server, owner) as http:
        project = Project(http, repo, web, retain_deployments=5)
        v1 = repo.commit("v1")
        first = project.wait(project.deploy())
        assert first["commit_hash"] == v1 and first["commit_message"] == "Release v1"
        assert first["commit_author"] == "Ada Lovelace"
        assert [serves(host) for host in web] == ["v1", "v1"]
        names = {(p["server_name"], p["name"]) for p in first["processes"]}
        assert ("web-2", "Activate New Release") in names and len(first["processes"]) == 8
        assert all(
            p["status"] == "finished" and p["started_at"] and p["finished_at"] for p in first["processes"]
        )
        clone = next(p for p in first["processes"] if p["name"] == "Clone New Release")
        assert "clone" in clone["output"] and "link .env" in clone["output"]

        repo.commit("v2")
        with Hammer(web) as hammer:
            deployment_id = project.deploy()
            project.wait(deployment_id)
            after = [serves(host) for host in web]
        assert after == ["v2", "v2"]
        assert hammer.failures == [], hammer.failures[:5]
        assert hammer.requests > 50
        for host in web:
            assert hammer.seen[host.ip] <= {"v1", "v2"}
            link = host.run(f"readlink {APP}/current").stdout.strip()
            assert link == f"{APP}/releases/{project.deployment(deployment_id)['release']}"
        listed = http.get(f"{project.base}/deployments").json()["deployments"]
        assert [d["id"] for d in listed] == [deployment_id, first["id"]]
        shown = http.get(project.base).json()["project"]
        assert shown["last_deployment_status"] == "finished" and shown["last_deployment_id"] == deployment_id


def test_failing_hook_on_one_server_leaves_the_old_release_live_everywhere(
    server: ShipyardServer, owner: Account, repo: GitRepository, web: list[Host]
) -> None:
    with client(server, owner) as http:
        project = Project(http, repo, web)
        repo.commit("v1")
        project.wait(project.deploy())
        marker = project.hook(name="Marker", script="echo built by $(whoami) in $PWD > hooked.txt",
                              runAs="deploy", actionId=2, timing="after", servers=[])  # fmt: skip
        project.hook(name="Break", script="echo about to fail; exit 3", runAs="deploy", actionId=3,
                     timing="before", servers=[project.servers[1]["id"]])  # fmt: skip
        repo.commit("v2")
        failed = project.wait(project.deploy(), "failed")
        assert "Break" in failed["reason"] and "web-2" in failed["reason"]
        broken = next(p for p in failed["processes"] if p["name"] == "Break")
        assert broken["status"] == "failed" and "about to fail" in broken["output"]
        assert not any(p["name"] == "Break" and p["server_name"] == "web-1" for p in failed["processes"])
        assert [serves(host) for host in web] == ["v1", "v1"]
        for host in web:
            assert failed["release"] not in releases_on(host)
        hooked = next(
            p for p in failed["processes"] if p["hook_id"] == marker["id"] and p["server_name"] == "web-1"
        )
        assert hooked["status"] == "finished"


def test_cancel_stops_a_running_hook_and_removes_the_half_built_release(
    server: ShipyardServer, owner: Account, repo: GitRepository, web: list[Host]
) -> None:
    with client(server, owner) as http:
        project = Project(http, repo, web)
        repo.commit("v1")
        project.wait(project.deploy())
        project.hook(name="Slow", script="echo sleeping; sleep 300", runAs="deploy", actionId=1,
                     timing="after", servers=[])  # fmt: skip
        repo.commit("v2")
        deployment_id = project.deploy()
        wait_until(
            lambda: any(p["name"] == "Slow" and p["status"] == "running" and "sleeping" in p["output"]
                        for p in project.deployment(deployment_id)["processes"]),
            DEPLOY_SECONDS, "the slow hook to run",
        )  # fmt: skip
        wait_until(
            lambda: all("sleep 300" in h.run("ps -eo args").stdout for h in web), 30, "sleep on the hosts"
        )
        cancelled = http.delete(f"{project.base}/deployments/{deployment_id}")
        assert cancelled.status_code == 200 and cancelled.json()["deployment"]["status"] == "cancelling"
        done = project.wait(deployment_id, "cancelled")
        assert [serves(host) for host in web] == ["v1", "v1"]
        for host in web:
            assert "sleep 300" not in host.run("ps -eo args").stdout
            assert done["release"] not in releases_on(host)
        assert {p["status"] for p in done["processes"] if p["name"] == "Slow"} == {"cancelled"}
        assert http.delete(f"{project.base}/deployments/{deployment_id}").status_code == 409


def test_a_deployment_whose_release_is_going_live_cannot_be_cancelled(
    server: ShipyardServer, owner: Account, repo: GitRepository, web: list[Host]
) -> None:
    with client(server, owner) as http:
        project = Project(http, repo, web)
        project.hook(name="Warm", script="echo warming; sleep 15", runAs="deploy", actionId=3,
                     timing="after", servers=[])  # fmt: skip
        repo.commit("v1")
        deployment_id = project.deploy()
        wait_until(
            lambda: any(p["name"] == "Warm" and p["status"] == "running"
                        for p in project.deployment(deployment_id)["processes"]),
            DEPLOY_SECONDS, "the hook after activation to run",
        )  # fmt: skip
        refused = http.delete(f"{project.base}/deployments/{deployment_id}")
        assert refused.status_code == 409 and "Roll back" in refused.json()["message"], refused.text
        project.wait(deployment_id)
        assert [serves(host) for host in web] == ["v1", "v1"]


def test_queued_deployments_run_one_after_the_other_and_retention(
    server: ShipyardServer, owner: Account, repo: GitRepository, web: list[Host]
) -> None:
    with client(server, owner) as http:
        project = Project(http, repo, web, retain_deployments=2)
        repo.commit("v1", tag="v1.0")
        repo.commit("v2", branch="feature/next")
        repo.commit("v3")
        ids = [project.deploy(), project.deploy(**{"from": "tag", "tag": "v1.0"}),
               project.deploy(**{"from": "branch", "branch": "feature/next"})]  # fmt: skip
        shown = http.get(project.base).json()["project"]
        assert shown["should_deploy_again"] >= 1 or shown["status"] is None
        results = [project.wait(i) for i in ids]
        starts = [project.deployment(i)["processes"][0]["started_at"] for i in ids]
        assert starts == sorted(starts)
        for earlier, later in itertools.pairwise(results):
            assert max(p["finished_at"] for p in earlier["processes"]) <= min(
                p["started_at"] for p in later["processes"]
            )
        assert [serves(host) for host in web] == ["v2", "v2"]
        assert results[2]["commit_branch"] == "feature/next"
        for host in web:
            assert releases_on(host) == sorted(r["release"] for r in results[1:])
        bad = http.post(f"{project.base}/deployments", json={"from": "tag", "tag": "v1;id"})
        assert bad.status_code == 422 and "tag" in bad.json()["errors"]


def test_environment_is_sealed_under_the_users_key_and_written_to_the_hosts(
    server: ShipyardServer, owner: Account, repo: GitRepository, web: list[Host], pg_cluster: PostgresCluster
) -> None:
    contents = "APP_NAME=Shipyard\nAPP_KEY=base64:s3cr3t-plaintext-marker\n"
    with client(server, owner) as http:
        project = Project(http, repo, web)
        ids = [s["id"] for s in project.servers]
        env = f"{project.base}/environment"
        stored = http.put(
            env, data={"key": "my-key", "contents": contents, "servers[0]": ids[0], "servers[1]": ids[1]}
        )
        assert stored.status_code == 204, stored.text
        for host in web:
            assert host.run(f"cat {APP}/.env").stdout == contents
        assert http.get(env, params={"key": "my-key"}).json() == {"environment": contents}
        assert http.request("GET", env, json={"key": "my-key"}).json() == {"environment": contents}
        wrong = http.get(env, params={"key": "not-my-key"})
        assert wrong.status_code == 422 and "key" in wrong.json()["errors"]
        refused = http.put(env, json={"key": "not-my-key", "contents": "X=1\n", "servers": ids})
        assert refused.status_code == 422
        for host in web:
            assert host.run(f"cat {APP}/.env").stdout == contents
        assert [s["id"] for s in http.get(f"{env}/servers").json()["servers"]] == ids
        assert http.get(project.base).json()["project"]["has_environment"] is True
        repo.commit("v1")
        project.wait(project.deploy())
        for host in web:
            assert host.run(f"cat {APP}/current/.env").stdout == contents
        dump = database_dump(server, pg_cluster)
        assert b"APP_NAME=Shipyard" not in dump and b"s3cr3t-plaintext-marker" not in dump
        assert str(project.id).encode() in dump
        assert http.request("DELETE", env, json={"key": "new-key"}).status_code == 204
        assert http.get(env, params={"key": "new-key"}).json() == {"environment": ""}
        assert http.get(env, params={"key": "my-key"}).status_code == 422
