"""CI with forgejo, GitHub and GitLab forges, each a local fake of its API (`tests/support/fakes/`)
over a real bare git repository: activation registers a webhook, the fake delivers its forge's
signed push and pull request webhooks, Shipyard reads the configs, branches and pull requests
through the API, a real agent runs the pipeline, and the fake records the commit statuses."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.api import Account, client
from tests.support.ci import (
    Agent,
    GitRepo,
    log_text,
    newest,
    start_agent,
    steps,
    wait_pipeline,
)
from tests.support.fakes.forgejo import FakeForgejo
from tests.support.fakes.gitforge import FakeGitForge, FakeRepo
from tests.support.fakes.github import FakeGitHub
from tests.support.fakes.gitlab import FakeGitLab
from tests.support.forge import wait_until
from tests.support.server import ShipyardServer

pytestmark = pytest.mark.e2e

# forge type -> (fake, push event, pull request event, the pull request's ref prefix)
FORGES: dict[str, tuple[type[FakeGitForge], str, str, str]] = {
    "forgejo": (FakeForgejo, "push", "pull_request", "refs/pull"),
    "github": (FakeGitHub, "push", "pull_request", "refs/pull"),
    "gitlab": (FakeGitLab, "Push Hook", "Merge Request Hook", "refs/merge-requests"),
}

CONFIG = """
steps:
  - name: hello
    image: sh
    commands:
      - echo "event $CI_PIPELINE_EVENT on $CI_COMMIT_BRANCH at $CI_COMMIT_SHA"
      - echo "pull $${CI_COMMIT_PULL_REQUEST:-none} from $${CI_COMMIT_SOURCE_BRANCH:-none}"
      - test -f README
"""


@pytest.fixture(scope="module", params=list(FORGES))
def forge_type(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def fake(forge_type: str) -> Iterator[FakeGitForge]:
    forge = FORGES[forge_type][0](token=secrets.token_hex(20))
    forge.start()
    yield forge
    forge.stop()


@pytest.fixture(scope="module")
def api_forge_id(ci_server: ShipyardServer, ci_admin: Account, fake: FakeGitForge, forge_type: str) -> int:
    with client(ci_server, ci_admin) as http:
        response = http.post(
            "/api/forges", json={"type": forge_type, "url": fake.url, "oauth_client_secret": fake.token}
        )
        assert response.status_code == 200, response.text
        # The token is a secret: nobody reads it back.
        assert fake.token not in http.get(f"/api/forges/{response.json()['id']}").text
        return int(response.json()["id"])


def contexts(fake: FakeGitForge, remote: FakeRepo, sha: str) -> dict[str, list[str]]:
    """The states the fake received per status context for `sha`, in order."""
    out: dict[str, list[str]] = {}
    for status in fake.statuses(remote, sha):
        out.setdefault(status["context"], []).append(status["state"])
    return out


def test_signed_webhooks_run_pipelines_and_report_statuses(
    ci_server: ShipyardServer,
    ci_admin: Account,
    owner: Account,
    git_root: Path,
    agents: list[Agent],
    fake: FakeGitForge,
    forge_type: str,
    api_forge_id: int,
) -> None:
    _, push_event, pull_event, pull_prefix = FORGES[forge_type]
    repo = GitRepo(git_root, owner.name, f"{forge_type}-" + secrets.token_hex(3))
    remote = fake.add_repo(owner.name, repo.bare.name.removesuffix(".git"), repo.bare)
    start_agent(ci_server, ci_admin, agents)
    with client(ci_server, owner) as http:
        # Activation looks the repository up by owner/name and registers a webhook on it.
        response = http.post(
            "/api/repos", params={"forge_remote_id": remote.full_name, "forge_id": api_forge_id}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        repo_id = body["id"]
        assert body["forge_remote_id"] == str(remote.id) and body["full_name"] == remote.full_name
        # A private repository: the fake serves its git over HTTP only to the forge's token.
        assert body["clone_url"] == fake.clone_url(remote) and body["private"] is True
        assert len(remote.hooks) == 1 and remote.hooks[0].url.startswith(
            f"{ci_server.url}/api/hook?access_token="
        )
        assert len(remote.hooks[0].secret) == 64
        # The post-receive hook script is for `git` forges only.
        script = http.get(f"/api/repos/{repo_id}/hook")
        assert script.status_code == 422 and "git forges" in script.text

        sha = repo.commit({"README": "hello\n", ".woodpecker.yaml": CONFIG}, "add CI")
        repo.push()
        payload = fake.push_payload(remote, "refs/heads/main", "0" * 40, sha)

        # A webhook signed with another secret is refused and creates nothing.
        (refused,) = fake.deliver(remote, push_event, payload, secret="not-the-secret")
        assert refused.status_code == 401, refused.text
        assert newest(http, repo_id) is None

        (accepted,) = fake.deliver(remote, push_event, payload)
        assert accepted.status_code == 200, accepted.text
        number = accepted.json()["number"]
        final = wait_pipeline(http, repo_id, number)
        assert final["status"] == "success", final
        assert final["event"] == "push" and final["commit"] == sha and final["branch"] == "main"
        assert final["author"] == "Ada Lovelace" and final["message"] == "add CI"
        assert sorted(final["changed_files"]) == [".woodpecker.yaml", "README"]
        hello = log_text(http, repo_id, number, steps(final)["woodpecker/hello"]["id"])
        assert f"event push on main at {sha}" in hello and "pull none from none" in hello
        # The agent cloned over HTTP with the token (CI_NETRC_*), which no log shows.
        assert ("POST", f"/git/{remote.full_name}.git/git-upload-pack") in fake.calls
        clone = log_text(http, repo_id, number, steps(final)["woodpecker/clone"]["id"])
        assert fake.token not in clone and fake.token not in hello
        # The config came through the forge's API, at the pushed commit.
        configs = http.get(f"/api/repos/{repo_id}/pipelines/{number}/config").json()
        assert [base64.b64decode(c["data"]).decode() for c in configs] == [CONFIG]
        assert any("woodpecker" in path for _, path in fake.calls)
        wait_until(
            lambda: contexts(fake, remote, sha) == {"ci/woodpecker/push/woodpecker": ["pending", "success"]},
            30,
            "the forge to receive pending then success",
            every=0.2,
        )

        # Branches and pull requests come from the forge's API.
        repo.branch("feature")
        head = repo.commit({"feature.txt": "new\n"}, "add a feature")
        repo.push("feature")
        pull = fake.open_pull(remote, "feature", "main", "Add a feature")
        assert http.get(f"/api/repos/{repo_id}/branches").json() == ["feature", "main"]
        assert http.get(f"/api/repos/{repo_id}/pull_requests").json() == [
            {"index": str(pull.number), "title": "Add a feature"}
        ]

        action = "open" if forge_type == "gitlab" else "opened"
        (opened,) = fake.deliver(remote, pull_event, fake.pull_payload(remote, pull, action))
        assert opened.status_code == 200, opened.text
        pr = wait_pipeline(http, repo_id, opened.json()["number"])
        assert pr["status"] == "success", pr
        assert pr["event"] == "pull_request" and pr["commit"] == head
        assert pr["ref"] == f"{pull_prefix}/{pull.number}/head" and pr["refspec"] == "feature:main"
        assert pr["title"] == "Add a feature" and pr["changed_files"] == ["feature.txt"]
        hello = log_text(http, repo_id, pr["number"], steps(pr)["woodpecker/hello"]["id"])
        assert f"pull {pull.number} from feature" in hello
        wait_until(
            lambda: contexts(fake, remote, head) == {"ci/woodpecker/pr/woodpecker": ["pending", "success"]},
            30,
            "the forge to receive the pull request's statuses",
            every=0.2,
        )

        # Repair registers the webhook again (still one); deactivating takes it off the forge,
        # activating puts it back, deleting takes it off for good.
        assert http.post(f"/api/repos/{repo_id}/repair").status_code == 204
        assert len(remote.hooks) == 1 and remote.hooks[0].url.startswith(f"{ci_server.url}/api/hook?")
        assert http.delete(f"/api/repos/{repo_id}").status_code == 200
        assert remote.hooks == []
        again = http.post(
            "/api/repos", params={"forge_remote_id": remote.full_name, "forge_id": api_forge_id}
        )
        assert again.status_code == 200, again.text
        assert again.json()["id"] == repo_id and len(remote.hooks) == 1
        assert http.delete(f"/api/repos/{repo_id}", params={"remove": "true"}).status_code == 200
        assert remote.hooks == []
