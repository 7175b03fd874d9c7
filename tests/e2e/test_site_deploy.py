"""Git repositories, deployments, webhooks and site commands on the provisioned host.

A bare repository on the host (`/srv/git/app-<t>.git`) holds a tiny PHP app whose page prints its
version; commits are made in a work tree on the host and pushed to it. Shipyard clones it into a
site through the `custom` provider, deploys it, and nginx serves what was deployed.
"""

from __future__ import annotations

import json
import shlex
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.e2e.test_sites import Sites, exists, fetch, served, token
from tests.support.api import client
from tests.support.forge import Provisioned, output_of, wait_until
from tests.support.hosts import Host
from tests.support.server import ShipyardServer
from tests.support.smtp import MailSink


@pytest.fixture
def sites(server: ShipyardServer, provisioned: Provisioned) -> Iterator[Sites]:
    with client(server, provisioned.owner) as http:
        tracker = Sites(http, provisioned)
        yield tracker
        tracker.cleanup()


@dataclass
class Upstream:
    """A bare repository on the host and a work tree (root's) that commits and pushes to it.

    The repository belongs to `owner`, the user who reads it (git refuses a repository owned by
    someone else), except while root pushes to it."""

    host: Host
    name: str
    owner: str = "forge"
    commits: list[str] = field(default_factory=list)

    @property
    def bare(self) -> str:
        return f"/srv/git/{self.name}.git"

    @property
    def work(self) -> str:
        return f"/root/work-{self.name}"

    def create(self, version: str) -> None:
        self.host.run(
            f"set -e; rm -rf {self.bare} {self.work}; mkdir -p /srv/git; "
            f"git init -q --bare -b main {self.bare}; git init -q -b main {self.work}"
        )
        self.commit(version, "First version")

    def commit(self, version: str, message: str, branch: str = "main") -> str:
        """Commit a page that prints `version` on `branch` and push it; returns the commit."""
        page = f"<?php\\necho 'app {version}', PHP_EOL;\\n"
        self.host.run(
            f"set -e; cd {self.work}; git checkout -q -B {branch}; mkdir -p public; "
            f"printf {shlex.quote(page)} > public/index.php; git add -A; "
            "git -c user.name='Ada Lovelace' -c user.email=ada@example.test "
            f"commit -q -m {shlex.quote(message)}; "
            f"chown -R root {self.bare}; git push -q {self.bare} {branch}; chown -R {self.owner} {self.bare}"
        )
        commit = self.host.run(f"git -C {self.work} rev-parse HEAD").stdout.strip()
        self.commits.append(commit)
        return commit

    def give(self, owner: str) -> None:
        self.owner = owner
        self.host.run(f"chown -R {owner} {self.bare}")

    def remove(self) -> None:
        self.host.run(f"rm -rf {self.bare} {self.work}")


@pytest.fixture
def upstream(provisioned: Provisioned) -> Iterator[Upstream]:
    repo = Upstream(provisioned.host, f"app-{token()}")
    repo.create("v1")
    yield repo
    repo.remove()


class Receiver:
    """An HTTP endpoint in this process that keeps every JSON body POSTed to it."""

    def __init__(self) -> None:
        received: list[dict[str, Any]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/forge-hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    yield endpoint
    endpoint.close()


def site_path(sites: Sites, site_id: int, path: str = "") -> str:
    return f"{sites.base}/{site_id}{path}"


def install_git(sites: Sites, site_id: int, repository: str, **extra: Any) -> dict[str, Any]:
    response = sites.http.post(
        site_path(sites, site_id, "/git"),
        json={"provider": "custom", "repository": repository, "branch": "main", **extra},
    )
    assert response.status_code == 200, response.text
    assert response.json()["site"]["repository_status"] == "installing"
    site: dict[str, Any] = wait_until(
        lambda: (s := sites.get(site_id))["repository_status"] in ("installed", "failed") and s,
        180,
        "the repository's installation",
    )
    if site["repository_status"] != "installed":
        raise AssertionError(output_of(sites.http, sites.sid, f"Installing the repository of site {site_id}"))
    return site


def history(sites: Sites, site_id: int) -> list[dict[str, Any]]:
    response = sites.http.get(site_path(sites, site_id, "/deployment-history"))
    assert response.status_code == 200, response.text
    deployments: list[dict[str, Any]] = response.json()["deployments"]
    return deployments


def settled(sites: Sites, site_id: int, count: int) -> list[dict[str, Any]]:
    """The history once `count` deployments exist and none is due any more (the SDK's wait)."""
    found: list[dict[str, Any]] = wait_until(
        lambda: (
            sites.get(site_id)["deployment_status"] is None
            and len(h := history(sites, site_id)) >= count
            and all(d["status"] in ("finished", "failed") for d in h)
            and h
        ),
        300,
        f"{count} deployments to end",
    )
    return found


def deploy(sites: Sites, site_id: int) -> None:
    response = sites.http.post(site_path(sites, site_id, "/deployment/deploy"))
    assert response.status_code == 200, response.text
    assert response.json()["site"]["deployment_status"] in ("queued", "deploying")


def output(sites: Sites, site_id: int, deployment_id: int) -> str:
    response = sites.http.get(site_path(sites, site_id, f"/deployment-history/{deployment_id}/output"))
    assert response.status_code == 200, response.text
    text: str = response.json()["output"]
    return text


def test_deploy_pushes_history_failure_mail_and_webhooks(
    provisioned: Provisioned, sites: Sites, upstream: Upstream, receiver: Receiver, mail_sink: MailSink
) -> None:
    host, t = provisioned.host, token()
    domain = f"deploy-{t}.sites.test"
    site = sites.create(domain=domain)
    sid = site["id"]
    sites.wait(sid)
    root = f"/home/forge/{domain}"
    ops = f"ops-{t}@example.test"
    emails = sites.http.post(site_path(sites, sid, "/deployment-failure-emails"), json={"emails": [ops]})
    assert emails.status_code == 200 and emails.json() == {"emails": [ops]}, emails.text
    hook = sites.http.post(site_path(sites, sid, "/webhooks"), json={"url": receiver.url})
    assert hook.status_code == 200, hook.text
    assert hook.json()["webhook"]["url"] == receiver.url
    assert sites.http.get(site_path(sites, sid, "/webhooks")).json()["webhooks"] == [hook.json()["webhook"]]
    script = sites.http.get(site_path(sites, sid, "/deployment/script"))
    assert script.status_code == 200 and "git pull origin $FORGE_SITE_BRANCH" in script.text
    assert sites.http.post(site_path(sites, sid, "/deployment/deploy")).status_code == 400  # no repository

    installed = install_git(sites, sid, upstream.bare, composer=True)
    assert installed["repository"] == upstream.bare and installed["repository_provider"] == "custom"
    assert installed["repository_branch"] == "main"
    assert (
        host.run(f"runuser -u forge -- git -C {root} remote get-url origin").stdout.strip() == upstream.bare
    )
    assert host.run(f"stat -c %U {root}/public/index.php").stdout.strip() == "forge"
    served(host, domain, "app v1")  # the clone replaced the placeholder page

    deploy(sites, sid)
    [first] = settled(sites, sid, 1)
    assert first["status"] == "finished", output(sites, sid, first["id"])
    assert first["commit_hash"] == upstream.commits[0] and first["commit_message"] == "First version"
    assert first["commit_author"] == "Ada Lovelace" and first["type"] == 4
    assert first["displayable_type"] == "Deployment API" and first["started_at"] and first["ended_at"]
    # The history lists no outputs (each has its own endpoint); one deployment reads as it is listed.
    assert "output" not in first
    one = sites.http.get(site_path(sites, sid, f"/deployment-history/{first['id']}"))
    assert one.status_code == 200 and one.json() == {"deployment": first}, one.text
    first_output = output(sites, sid, first["id"])
    assert "Restarting FPM..." in first_output, first_output  # the site user may reload PHP-FPM

    second_commit = upstream.commit("v2", "Second version\n\nWith a body.")
    deploy(sites, sid)
    second, again_first = settled(sites, sid, 2)
    assert again_first["id"] == first["id"]
    assert second["status"] == "finished", output(sites, sid, second["id"])
    assert second["commit_hash"] == second_commit
    assert second["commit_message"] == "Second version\n\nWith a body."
    served(host, domain, "app v2")
    log = sites.http.get(site_path(sites, sid, "/deployment/log"))
    assert log.status_code == 200 and log.text == output(sites, sid, second["id"])
    assert "Fast-forward" in log.text or "public/index.php" in log.text, log.text

    # A request during a deployment waits for it: the two never overlap.
    slow = (
        'echo "start $FORGE_DEPLOY_COMMIT $FORGE_MANUAL_DEPLOY $APP_MARK" >> "$HOME/deploys-{t}.log"\n'
        "sleep 2\n"
        'echo "end" >> "$HOME/deploys-{t}.log"\n'
    ).replace("{t}", t)
    env = sites.http.put(site_path(sites, sid, "/env"), json={"content": f"APP_MARK=mark-{t}\n"})
    assert env.status_code == 200, env.text
    put = sites.http.put(
        site_path(sites, sid, "/deployment/script"), json={"content": slow, "auto_source": True}
    )
    assert put.status_code == 200 and put.text == slow
    deploy(sites, sid)
    deploy(sites, sid)
    assert sites.get(sid)["deployment_status"] in ("queued", "deploying")
    third, fourth = sorted(settled(sites, sid, 4)[:2], key=lambda d: d["id"])
    assert third["status"] == fourth["status"] == "finished"
    assert fourth["started_at"] >= third["ended_at"]
    lines = host.run(f"cat /home/forge/deploys-{t}.log").stdout.split("\n")
    assert lines[:4] == [
        f"start {second_commit} 1 mark-{t}",
        "end",
        f"start {second_commit} 1 mark-{t}",
        "end",
    ]
    host.run(f"rm -f /home/forge/deploys-{t}.log")

    # A failing script: the deployment fails with its output, v2 stays live, mail and webhooks go out.
    upstream.commit("v3", "Third version")
    failing = "echo 'about to fail'\nexit 1\n"
    assert (
        sites.http.put(site_path(sites, sid, "/deployment/script"), json={"content": failing}).status_code
        == 200
    )
    deploy(sites, sid)
    failed = settled(sites, sid, 5)[0]
    assert failed["status"] == "failed" and failed["commit_hash"] == second_commit
    assert "about to fail" in output(sites, sid, failed["id"])
    assert "app v2" in fetch(host, domain).text
    [mail] = mail_sink.wait_for(ops, 1)
    assert mail.subject == f"Deployment failed: {domain}" and "about to fail" in mail.body
    wait_until(lambda: len(receiver.received) >= 5, 60, "five webhook deliveries")
    assert [r["status"] for r in receiver.received].count("success") == 4
    last = next(r for r in receiver.received if r["status"] == "failure")
    assert last["site"] == {"id": sid, "name": domain} and last["server"]["id"] == sites.sid
    assert last["commit_hash"] == second_commit and last["commit_message"] == "Second version\n\nWith a body."

    reset = sites.http.post(site_path(sites, sid, "/deployment/reset"))
    assert reset.status_code == 200 and reset.json()["site"]["deployment_status"] is None
    sites.delete(sid)


def test_quick_deploy_through_the_deployment_url(
    provisioned: Provisioned, sites: Sites, upstream: Upstream
) -> None:
    host, t = provisioned.host, token()
    domain = f"quick-{t}.sites.test"
    site = sites.create(domain=domain)
    sid = site["id"]
    sites.wait(sid)
    install_git(sites, sid, f"file://{upstream.bare}")
    url = site["deployment_url"]
    marker = 'echo "quick=$FORGE_QUICK_DEPLOY manual=$FORGE_MANUAL_DEPLOY"\n'
    script = sites.http.get(site_path(sites, sid, "/deployment/script")).text
    sites.http.put(site_path(sites, sid, "/deployment/script"), json={"content": marker + script})

    assert httpx.post(url).status_code == 403  # quick deploy is off
    enabled = sites.http.post(site_path(sites, sid, "/deployment"))
    assert enabled.status_code == 200 and enabled.json()["site"]["quick_deploy"] is True
    assert httpx.post(url.replace("token=", "token=x")).status_code == 404

    upstream.commit("v2", "Pushed")
    plain = httpx.post(url)
    assert plain.status_code == 200 and plain.json()["deployment_id"], plain.text
    [first] = settled(sites, sid, 1)
    assert first["status"] == "finished" and first["type"] == 3
    assert "quick=0 manual=0" in output(sites, sid, first["id"])
    served(host, domain, "app v2")

    other = httpx.post(
        url, json={"ref": "refs/heads/feature", "after": "0" * 40}, headers={"X-GitHub-Event": "push"}
    )
    assert other.status_code == 200 and other.json()["deployment_id"] is None, other.text
    ping = httpx.post(url, json={"zen": "hi"}, headers={"X-GitHub-Event": "ping"})
    assert ping.status_code == 200 and ping.json()["deployment_id"] is None

    pushed = upstream.commit("v3", "Pushed again")
    push = httpx.post(
        url,
        content=json.dumps({"ref": "refs/heads/main", "after": pushed}),
        headers={"X-Gitea-Event": "push", "Content-Type": "application/json"},
    )
    assert push.status_code == 200 and push.json()["deployment_id"], push.text
    latest = settled(sites, sid, 2)[0]
    assert latest["status"] == "finished" and latest["type"] == 2 and latest["commit_hash"] == pushed
    assert latest["displayable_type"] == "Quick Deploy"
    assert "quick=1 manual=0" in output(sites, sid, latest["id"])
    served(host, domain, "app v3")

    assert sites.http.delete(site_path(sites, sid, "/deployment")).json()["site"]["quick_deploy"] is False
    assert httpx.post(url).status_code == 403

    # Removing the repository puts the placeholder page back.
    removed = sites.http.delete(site_path(sites, sid, "/git"))
    assert removed.status_code == 200 and removed.json()["site"]["repository_status"] == "removing"
    wait_until(lambda: sites.get(sid)["repository"] is None, 120, "the repository's removal")
    served(host, domain, "This site is ready.")
    assert not exists(host, f"/home/forge/{domain}/.git")
    sites.delete(sid)


def test_deploy_key_is_what_git_uses_and_goes_with_the_site(
    provisioned: Provisioned, sites: Sites, upstream: Upstream
) -> None:
    """The site's deploy key is the only way into a repository served over SSH by a `git`-like
    user whose authorized_keys holds just that key."""
    host, t = provisioned.host, token()
    domain = f"key-{t}.sites.test"
    site = sites.create(domain=domain)
    sid = site["id"]
    sites.wait(sid)
    created = sites.http.post(site_path(sites, sid, "/deploy-key"))
    assert created.status_code == 200, created.text
    public = created.json()["key"]
    assert public.startswith("ssh-ed25519 ")
    key = f"/home/forge/.ssh/shipyard-site-{sid}"
    assert host.run(f"stat -c '%U %a' {key}").stdout.strip() == "forge 600"
    assert host.run(f"cat {key}.pub").stdout.strip() == public
    assert sites.http.post(site_path(sites, sid, "/deploy-key")).json()["key"] == public  # the same key

    account = f"src{t}"
    host.run(
        f"set -e; useradd --create-home --shell /bin/bash {account}; install -d -m 700 -o {account} "
        f"/home/{account}/.ssh; echo {shlex.quote(public)} > /home/{account}/.ssh/authorized_keys; "
        f"chown {account} /home/{account}/.ssh/authorized_keys; "
        f"chmod 600 /home/{account}/.ssh/authorized_keys"
    )
    try:
        upstream.give(account)
        install_git(sites, sid, f"{account}@127.0.0.1:{upstream.bare}", composer=False)
        config = host.run(f"runuser -u forge -- git -C /home/forge/{domain} config core.sshCommand").stdout
        assert key in config
        served(host, domain, "app v1")
        upstream.commit("v2", "Over SSH")
        update = sites.http.put(site_path(sites, sid, "/git"), json={"branch": "main"})
        assert update.status_code == 200, update.text
        deploy(sites, sid)
        [done] = settled(sites, sid, 1)
        assert done["status"] == "finished", output(sites, sid, done["id"])
        served(host, domain, "app v2")

        # Commands run as the site user in the site's directory, with their output kept.
        ran = sites.http.post(
            site_path(sites, sid, "/commands"), json={"command": "pwd; whoami; git log -1 --format=%s"}
        )
        assert ran.status_code == 200, ran.text
        command = ran.json()["command"]
        assert command["status"] in ("waiting", "running") and command["user_name"] == provisioned.owner.name
        failing = sites.http.post(
            site_path(sites, sid, "/commands"), json={"command": "echo nope >&2; exit 3"}
        )
        shown = wait_until(
            lambda: (
                (c := sites.http.get(site_path(sites, sid, f"/commands/{command['id']}")).json())["command"][
                    "status"
                ]
                in ("finished", "failed")
                and c
            ),
            60,
            "the command",
        )
        assert shown["command"]["status"] == "finished" and shown["command"]["event_id"]
        assert shown["output"].split("\n")[:3] == [f"/home/forge/{domain}", "forge", "Over SSH"]
        bad = wait_until(
            lambda: (
                (
                    c := sites.http.get(
                        site_path(sites, sid, f"/commands/{failing.json()['command']['id']}")
                    ).json()
                )["command"]["status"]
                in ("finished", "failed")
                and c
            ),
            60,
            "the failing command",
        )
        assert bad["command"]["status"] == "failed" and "nope" in bad["output"]
        listed = sites.http.get(site_path(sites, sid, "/commands")).json()["commands"]
        assert [c["id"] for c in listed] == [command["id"], failing.json()["command"]["id"]]

        removed = sites.http.delete(site_path(sites, sid, "/deploy-key"))
        assert removed.status_code == 204, removed.text
        assert not exists(host, key) and not exists(host, f"{key}.pub")
        assert (
            host.run(
                f"runuser -u forge -- git -C /home/forge/{domain} config core.sshCommand", check=False
            ).returncode
            != 0
        )
        assert sites.http.post(site_path(sites, sid, "/deploy-key")).status_code == 200
        assert exists(host, key) and exists(host, f"/etc/sudoers.d/shipyard-site-{sid}")
        sites.delete(sid)  # the key and the FPM reload rule go with the site
        assert not exists(host, key) and not exists(host, f"/etc/sudoers.d/shipyard-site-{sid}")
    finally:
        upstream.give("forge")
        host.run(f"userdel --remove {account}", check=False)


def test_git_fields_are_checked(provisioned: Provisioned, sites: Sites) -> None:
    site = sites.create(domain=f"check-{token()}.sites.test")
    sid = site["id"]
    sites.wait(sid)
    for body, field_name in [
        ({"provider": "svn", "repository": "a/b"}, "provider"),
        ({"provider": "github", "repository": "not-a-repo"}, "repository"),
        ({"provider": "custom", "repository": "ext::sh -c id"}, "repository"),
        ({"provider": "custom", "repository": "-uhack"}, "repository"),
        ({"provider": "github", "repository": "a/b", "branch": "--orphan"}, "branch"),
    ]:
        response = sites.http.post(site_path(sites, sid, "/git"), json=body)
        assert response.status_code == 422 and field_name in response.json()["errors"], (body, response.text)
    assert sites.http.post(site_path(sites, sid, "/webhooks"), json={"url": "ftp://x"}).status_code == 422
    emails = sites.http.post(site_path(sites, sid, "/deployment-failure-emails"), json={"emails": ["x"]})
    assert emails.status_code == 422 and "emails.0" in emails.json()["errors"]
    assert sites.get(sid)["repository"] is None
    sites.delete(sid)
