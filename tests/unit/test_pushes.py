"""Push webhooks as GitHub, GitLab, Bitbucket and Gitea/Forgejo send them (their documented
sample payloads, in tests/unit/webhooks/): which branch moved to which commit, and why other
deliveries move nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from shipyard.http.forms import form_to_data
from shipyard.http.pushes import Head, decode_payload, parse_push

SAMPLES = Path(__file__).parent / "webhooks"


def sample(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    return loaded


def test_github_push() -> None:
    push = parse_push({"X-GitHub-Event": "push", "X-GitHub-Delivery": "x"}, sample("github-push.json"))
    assert push is not None and push.provider == "github" and push.reason is None
    assert push.heads == (Head("main", "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"),)
    assert push.head("main") == push.heads[0] and push.head("dev") is None


def test_github_form_encoded_delivery() -> None:
    raw = urlencode({"payload": json.dumps(sample("github-push.json"))}).encode()
    push = parse_push({"x-github-event": "push"}, decode_payload(form_to_data(raw)))
    assert push is not None and push.heads[0].commit == "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"


def test_gitlab_push_hook() -> None:
    push = parse_push({"X-Gitlab-Event": "Push Hook"}, sample("gitlab-push-hook.json"))
    assert push is not None and push.provider == "gitlab"
    assert push.heads == (Head("master", "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"),)


def test_bitbucket_repo_push() -> None:
    push = parse_push({"X-Event-Key": "repo:push"}, sample("bitbucket-repo-push.json"))
    assert push is not None and push.provider == "bitbucket"
    assert push.heads == (Head("name-of-branch", "709d658dc5b6d6afcd46049c2f332ee3f515a67d"),)


def test_gitea_and_forgejo_push() -> None:
    payload = sample("gitea-push.json")
    gitea = parse_push({"X-Gitea-Event": "push", "X-Gogs-Event": "push"}, payload)
    assert gitea is not None and gitea.provider == "gitea"
    assert gitea.heads == (Head("develop", "bffeb74224043ba2feb48d137756c8a9331c449a"),)
    forgejo = parse_push({"X-Forgejo-Event": "push", "X-Gitea-Event": "push"}, payload)
    assert forgejo is not None and forgejo.provider == "forgejo" and forgejo.heads == gitea.heads


def test_deliveries_that_move_no_branch_say_why() -> None:
    github = sample("github-push.json")
    tag = parse_push({"X-GitHub-Event": "push"}, {**github, "ref": "refs/tags/v1.0"})
    assert tag is not None and tag.heads == () and tag.reason == "refs/tags/v1.0 is not a branch"
    deleted = parse_push({"X-GitHub-Event": "push"}, {**github, "deleted": True, "after": "0" * 40})
    assert deleted is not None and deleted.heads == () and "deleted" in (deleted.reason or "")
    gitlab = {**sample("gitlab-push-hook.json"), "after": "0" * 40}
    removed = parse_push({"X-Gitlab-Event": "Push Hook"}, gitlab)
    assert removed is not None and removed.heads == () and "deleted" in (removed.reason or "")
    ping = parse_push({"X-GitHub-Event": "ping"}, {"zen": "Design for failure.", "hook_id": 1})
    assert ping is not None and ping.heads == () and ping.reason == "the event is 'ping', not a push"
    bitbucket = sample("bitbucket-repo-push.json")
    bitbucket["push"]["changes"][0]["new"] = None
    closed = parse_push({"X-Event-Key": "repo:push"}, bitbucket)
    assert closed is not None and closed.heads == () and closed.reason
    assert parse_push({"X-Gitlab-Event": "Push Hook"}, ["not", "an", "object"]) is not None
    assert parse_push({"Content-Type": "application/json"}, github) is None


def test_a_commit_that_is_not_a_hash_is_dropped() -> None:
    github = {**sample("github-push.json"), "after": "$(id)"}
    push = parse_push({"X-GitHub-Event": "push"}, github)
    assert push is not None and push.heads == (Head("main", None),)
