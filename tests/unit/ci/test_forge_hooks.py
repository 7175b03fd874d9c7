"""Webhook detection, signatures and parsing, on the sample payloads of the vendors' documentation
(Gitea's webhooks page, GitHub's webhook payload examples (octokit/webhooks) and signature example,
GitLab's "Webhook events" page), trimmed to the fields that matter and otherwise unchanged."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest

from shipyard.ci.forges import hooks

GITEA_REPO = {
    "id": 140,
    "owner": {"id": 1, "login": "gitea"},
    "name": "webhooks",
    "full_name": "gitea/webhooks",
}
GITEA_PUSH = {
    "secret": "3gEsCfjlV2ugRwgpU#w1*WaW*wa4NXgGmpCfkbG3",
    "ref": "refs/heads/develop",
    "before": "28e1879d029cb852e4844d9c718537df08844e03",
    "after": "bffeb74224043ba2feb48d137756c8a9331c449a",
    "compare_url": "http://localhost:3000/gitea/webhooks/compare/"
    "28e1879d029cb852e4844d9c718537df08844e03...bffeb74224043ba2feb48d137756c8a9331c449a",
    "commits": [
        {
            "id": "bffeb74224043ba2feb48d137756c8a9331c449a",
            "message": "Webhooks Yay!",
            "url": "http://localhost:3000/gitea/webhooks/commit/bffeb74224043ba2feb48d137756c8a9331c449a",
            "author": {"name": "Gitea", "email": "someone@gitea.io", "username": "gitea"},
            "committer": {"name": "Gitea", "email": "someone@gitea.io", "username": "gitea"},
            "timestamp": "2017-03-13T13:52:11-04:00",
        }
    ],
    "repository": GITEA_REPO,
    "pusher": {"id": 1, "login": "gitea", "username": "gitea"},
    "sender": {"id": 1, "login": "gitea", "username": "gitea"},
}
GITHUB_REPO = {
    "id": 186853002,
    "name": "Hello-World",
    "full_name": "Codertocat/Hello-World",
    "private": False,
    "owner": {"login": "Codertocat", "id": 21031067},
    "clone_url": "https://github.com/Codertocat/Hello-World.git",
    "default_branch": "master",
}
GITHUB_SENDER = {
    "login": "Codertocat",
    "id": 21031067,
    "avatar_url": "https://avatars1.githubusercontent.com/u/21031067?v=4",
}
GITHUB_DELETED_TAG = {
    "ref": "refs/tags/simple-tag",
    "before": "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
    "after": "0000000000000000000000000000000000000000",
    "created": False,
    "deleted": True,
    "commits": [],
    "head_commit": None,
    "repository": GITHUB_REPO,
    "sender": GITHUB_SENDER,
}
GITHUB_PULL_OPENED = {
    "action": "opened",
    "number": 2,
    "pull_request": {
        "id": 279147437,
        "number": 2,
        "state": "open",
        "title": "Update the README with new information.",
        "user": GITHUB_SENDER,
        "html_url": "https://github.com/Codertocat/Hello-World/pull/2",
        "labels": [],
        "milestone": None,
        "draft": False,
        "head": {
            "label": "Codertocat:changes",
            "ref": "changes",
            "sha": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
            "repo": GITHUB_REPO,
        },
        "base": {
            "label": "Codertocat:master",
            "ref": "master",
            "sha": "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
            "repo": GITHUB_REPO,
        },
    },
    "repository": GITHUB_REPO,
    "sender": GITHUB_SENDER,
}
GITHUB_CREATE_TAG = {
    "ref": "simple-tag",
    "ref_type": "tag",
    "master_branch": "master",
    "description": None,
    "pusher_type": "user",
    "repository": GITHUB_REPO,
    "sender": GITHUB_SENDER,
}
GITHUB_RELEASE = {
    "action": "published",
    "release": {
        "id": 17372790,
        "tag_name": "0.0.1",
        "target_commitish": "master",
        "name": None,
        "draft": False,
        "prerelease": False,
        "html_url": "https://github.com/Codertocat/Hello-World/releases/tag/0.0.1",
    },
    "repository": GITHUB_REPO,
    "sender": GITHUB_SENDER,
}
GITLAB_PROJECT = {
    "id": 15,
    "name": "Diaspora",
    "web_url": "http://example.com/mike/diaspora",
    "git_http_url": "http://example.com/mike/diaspora.git",
    "namespace": "Mike",
    "path_with_namespace": "mike/diaspora",
    "default_branch": "master",
}
GITLAB_PUSH = {
    "object_kind": "push",
    "event_name": "push",
    "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
    "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
    "ref": "refs/heads/master",
    "ref_protected": True,
    "checkout_sha": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
    "user_id": 4,
    "user_name": "John Smith",
    "user_username": "jsmith",
    "user_email": "john@example.com",
    "project_id": 15,
    "project": GITLAB_PROJECT,
    "commits": [
        {
            "id": "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
            "message": "Update Catalan translation to e38cb41.\n\n"
            "See https://gitlab.com/gitlab-org/gitlab for more information",
            "title": "Update Catalan translation to e38cb41.",
            "timestamp": "2011-12-12T14:27:31+02:00",
            "url": "http://example.com/mike/diaspora/commit/b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
            "author": {"name": "Jordi Mallach", "email": "jordi@softcatala.org"},
            "added": ["CHANGELOG"],
            "modified": ["app/controller/application.rb"],
            "removed": [],
        },
        {
            "id": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
            "message": "fixed readme",
            "title": "fixed readme",
            "timestamp": "2012-01-03T23:36:29+02:00",
            "url": "http://example.com/mike/diaspora/commit/da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
            "author": {"name": "GitLab dev user", "email": "gitlabdev@dv6700.(none)"},
            "added": ["CHANGELOG"],
            "modified": ["app/controller/application.rb"],
            "removed": [],
        },
    ],
    "total_commits_count": 4,
}
GITLAB_TAG_PUSH = {
    "object_kind": "tag_push",
    "event_name": "tag_push",
    "before": "0000000000000000000000000000000000000000",
    "after": "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
    "ref": "refs/tags/v1.0.0",
    "checkout_sha": "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
    "user_id": 1,
    "user_name": "John Smith",
    "project_id": 1,
    "project": {
        "id": 1,
        "name": "Example",
        "path_with_namespace": "jsmith/example",
        "default_branch": "master",
    },
    "commits": [],
    "total_commits_count": 0,
}
GITLAB_MERGE_REQUEST = {
    "object_kind": "merge_request",
    "event_type": "merge_request",
    "user": {"id": 1, "name": "Administrator", "username": "root", "email": "admin@example.com"},
    "project": {"id": 1, "name": "Gitlab Test", "path_with_namespace": "gitlabhq/gitlab-test"},
    "object_attributes": {
        "id": 99,
        "iid": 1,
        "target_branch": "master",
        "source_branch": "ms-viewport",
        "source_project_id": 14,
        "target_project_id": 14,
        "title": "MS-Viewport",
        "state": "opened",
        "draft": False,
        "url": "http://example.com/diaspora/merge_requests/1",
        "last_commit": {
            "id": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
            "message": "fixed readme",
            "title": "Update file README.md",
            "timestamp": "2012-01-03T23:36:29+02:00",
            "author": {"name": "GitLab dev user", "email": "gitlabdev@dv6700.(none)"},
        },
        "action": "open",
    },
    "labels": [{"id": 206, "title": "API"}],
}
GITLAB_RELEASE = {
    "id": 1,
    "description": "v1.1 has been released",
    "name": "v1.1",
    "tag": "v1.1",
    "object_kind": "release",
    "project": {
        "id": 2,
        "name": "release-webhook-example",
        "path_with_namespace": "gitlab-org/release-webhook-example",
    },
    "url": "https://example.com/gitlab-org/release-webhook-example/-/releases/v1.1",
    "action": "create",
    "commit": {
        "id": "ee0a3fb31ac16e11b9dbb596ad16d4af654d08f8",
        "message": "Release v1.1",
        "title": "Release v1.1",
        "timestamp": "2020-10-31T14:58:32+11:00",
        "author": {"name": "Example User", "email": "user@example.com"},
    },
}


def body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


def gitea_headers(event: str, raw: bytes, secret: str) -> dict[str, str]:
    signature = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return {
        "X-GitHub-Event": event,
        "X-Gogs-Event": event,
        "X-Gitea-Event": event,
        "X-Gitea-Signature": signature,
    }


def test_detection_by_headers() -> None:
    # Gitea also sends X-GitHub-Event and X-Gogs-Event: it is recognised first.
    assert (
        hooks.detect({"X-GitHub-Event": "push", "X-Gogs-Event": "push", "X-Gitea-Event": "push"}) == "gitea"
    )
    assert hooks.detect({"x-forgejo-event": "push"}) == "gitea"
    assert hooks.detect({"X-GitHub-Event": "push"}) == "github"
    assert hooks.detect({"X-Gitlab-Event": "Push Hook"}) == "gitlab"
    assert hooks.detect({"Content-Type": "application/json"}) is None


def test_signatures() -> None:
    # GitHub's documented example of X-Hub-Signature-256.
    secret, payload = "It's a Secret to Everybody", b"Hello, World!"
    sent = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert hooks.verify("github", {"X-Hub-Signature-256": sent}, payload, secret)
    assert not hooks.verify("github", {"X-Hub-Signature-256": sent}, payload + b" ", secret)
    assert not hooks.verify("github", {"X-Hub-Signature-256": sent[7:]}, payload, secret)
    raw = body(GITEA_PUSH)
    headers = gitea_headers("push", raw, "s3cret")
    assert hooks.verify("gitea", headers, raw, "s3cret")
    assert not hooks.verify("gitea", headers, raw, "other")
    forgejo = {"X-Forgejo-Event": "push", "X-Forgejo-Signature": headers["X-Gitea-Signature"]}
    assert hooks.verify("gitea", forgejo, raw, "s3cret")
    assert hooks.verify("gitlab", {"X-Gitlab-Token": "t0ken"}, b"{}", "t0ken")
    assert not hooks.verify("gitlab", {"X-Gitlab-Token": "t0ken"}, b"{}", "t0ken2")
    assert not hooks.verify("gitlab", {}, b"{}", "")


def test_gitea_push() -> None:
    raw = body(GITEA_PUSH)
    parsed = hooks.parse("gitea", gitea_headers("push", raw, "x"), raw)
    assert parsed.remote_id == "140" and parsed.full_name == "gitea/webhooks"
    event = parsed.event
    assert event is not None and event.event == "push"
    assert event.ref == "refs/heads/develop" and event.branch == "develop"
    assert event.commit == "bffeb74224043ba2feb48d137756c8a9331c449a"
    assert event.before == "28e1879d029cb852e4844d9c718537df08844e03"
    assert (event.message, event.author, event.email) == ("Webhooks Yay!", "Gitea", "someone@gitea.io")
    assert event.timestamp == 1489427531 and event.sender == "gitea" and event.changed_files == []


def test_gitea_tags_pull_requests_and_releases() -> None:
    tag_push = {**GITEA_PUSH, "ref": "refs/tags/v1"}
    assert hooks.parse("gitea", {"X-Gitea-Event": "push"}, body(tag_push)).event is None
    create = {
        "sha": GITEA_PUSH["after"],
        "ref": "v1",
        "ref_type": "tag",
        "repository": GITEA_REPO,
        "sender": {"login": "gitea"},
    }
    tag = hooks.parse("gitea", {"X-Gitea-Event": "create"}, body(create)).event
    assert tag is not None and (tag.event, tag.ref, tag.commit) == (
        "tag",
        "refs/tags/v1",
        GITEA_PUSH["after"],
    )
    branch = {**create, "ref_type": "branch"}
    assert hooks.parse("gitea", {"X-Gitea-Event": "create"}, body(branch)).event is None
    pull = {
        "action": "synchronized",
        "number": 3,
        "pull_request": {
            "number": 3,
            "title": "Fix",
            "user": {"login": "alice"},
            "labels": [{"name": "bug"}],
            "milestone": {"title": "v2"},
            "head": {"ref": "fix", "sha": GITEA_PUSH["after"], "repo": {"id": 141}},
            "base": {"ref": "main", "sha": GITEA_PUSH["before"], "repo": {"id": 140}},
        },
        "repository": GITEA_REPO,
    }
    event = hooks.parse("gitea", {"X-Gitea-Event": "pull_request"}, body(pull)).event
    assert event is not None and event.event == "pull_request" and event.ref == "refs/pull/3/head"
    assert event.refspec == "fix:main" and event.branch == "main" and event.from_fork
    assert event.pr_labels == ["bug"] and event.pr_milestone == "v2" and event.pull == 3
    closed = hooks.parse("gitea", {"X-Gitea-Event": "pull_request"}, body({**pull, "action": "closed"})).event
    assert closed is not None and closed.event == "pull_request_closed"
    release = {
        "action": "published",
        "release": {"tag_name": "v2", "name": "Two", "prerelease": True},
        "repository": GITEA_REPO,
    }
    event = hooks.parse("gitea", {"X-Gitea-Event": "release"}, body(release)).event
    assert event is not None and (event.event, event.ref, event.release_title, event.is_prerelease) == (
        "release",
        "refs/tags/v2",
        "Two",
        True,
    )


def test_github_events() -> None:
    deleted = hooks.parse("github", {"X-GitHub-Event": "push"}, body(GITHUB_DELETED_TAG))
    assert deleted.remote_id == "186853002" and deleted.event is None
    event = hooks.parse("github", {"X-GitHub-Event": "pull_request"}, body(GITHUB_PULL_OPENED)).event
    assert event is not None and event.event == "pull_request"
    assert event.ref == "refs/pull/2/head" and event.commit == "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    assert event.refspec == "changes:master" and event.branch == "master" and not event.from_fork
    assert event.title == "Update the README with new information." and event.sender == "Codertocat"
    labeled = hooks.parse(
        "github", {"X-GitHub-Event": "pull_request"}, body({**GITHUB_PULL_OPENED, "action": "labeled"})
    )
    assert labeled.event is not None and labeled.event.event == "pull_request_metadata"
    assigned = hooks.parse(
        "github", {"X-GitHub-Event": "pull_request"}, body({**GITHUB_PULL_OPENED, "action": "assigned"})
    )
    assert assigned.event is None
    tag = hooks.parse("github", {"X-GitHub-Event": "create"}, body(GITHUB_CREATE_TAG)).event
    assert tag is not None and (tag.event, tag.ref, tag.commit) == ("tag", "refs/tags/simple-tag", "")
    release = hooks.parse("github", {"X-GitHub-Event": "release"}, body(GITHUB_RELEASE)).event
    assert release is not None and (release.event, release.ref, release.release_title) == (
        "release",
        "refs/tags/0.0.1",
        "0.0.1",
    )
    ping = {"zen": "Encourage flow.", "hook_id": 2472869, "repository": GITHUB_REPO, "sender": GITHUB_SENDER}
    assert hooks.parse("github", {"X-GitHub-Event": "ping"}, body(ping)).event is None
    push = {
        **GITHUB_DELETED_TAG,
        "ref": "refs/heads/master",
        "after": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
        "deleted": False,
        "head_commit": {
            "id": "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
            "message": "Update README.md",
            "timestamp": "2019-05-15T15:20:30Z",
            "author": {"name": "Codertocat", "email": "21031067+Codertocat@users.noreply.github.com"},
            "added": [],
            "removed": [],
            "modified": ["README.md"],
        },
    }
    push["commits"] = [push["head_commit"]]
    event = hooks.parse("github", {"X-GitHub-Event": "push"}, body(push)).event
    assert event is not None and event.event == "push" and event.branch == "master"
    assert event.changed_files == ["README.md"] and event.timestamp == 1557933630


def test_gitlab_events() -> None:
    push = hooks.parse("gitlab", {"X-Gitlab-Event": "Push Hook"}, body(GITLAB_PUSH))
    assert push.remote_id == "15" and push.full_name == "mike/diaspora"
    event = push.event
    assert event is not None and event.event == "push" and event.branch == "master"
    assert event.commit == "da1560886d4f094c3e6c9ef40349f7d38b5d27d7" and event.sender == "jsmith"
    assert (event.message, event.author) == ("fixed readme", "GitLab dev user")
    assert event.changed_files == ["CHANGELOG", "app/controller/application.rb"]
    tag = hooks.parse("gitlab", {"X-Gitlab-Event": "Tag Push Hook"}, body(GITLAB_TAG_PUSH)).event
    assert tag is not None and (tag.event, tag.ref, tag.commit) == (
        "tag",
        "refs/tags/v1.0.0",
        "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7",
    )
    deleted = {**GITLAB_TAG_PUSH, "after": "0" * 40, "checkout_sha": None}
    assert hooks.parse("gitlab", {"X-Gitlab-Event": "Tag Push Hook"}, body(deleted)).event is None
    merge = hooks.parse("gitlab", {"X-Gitlab-Event": "Merge Request Hook"}, body(GITLAB_MERGE_REQUEST))
    event = merge.event
    assert merge.remote_id == "1" and event is not None and event.event == "pull_request"
    assert event.ref == "refs/merge-requests/1/head" and event.refspec == "ms-viewport:master"
    assert event.title == "MS-Viewport" and event.pr_labels == ["API"] and not event.from_fork
    edited = {
        **GITLAB_MERGE_REQUEST,
        "object_attributes": {**GITLAB_MERGE_REQUEST["object_attributes"], "action": "update"},
    }  # type: ignore[dict-item]
    assert (
        e := hooks.parse("gitlab", {"X-Gitlab-Event": "Merge Request Hook"}, body(edited)).event
    ) and e.event == "pull_request_metadata"
    pushed = {
        **edited,
        "object_attributes": {
            **edited["object_attributes"],
            "oldrev": "95790bf891e76fee5e1747ab589903a6a1f80f22",
        },
    }
    assert (
        e := hooks.parse("gitlab", {"X-Gitlab-Event": "Merge Request Hook"}, body(pushed)).event
    ) and e.event == "pull_request"
    release = hooks.parse("gitlab", {"X-Gitlab-Event": "Release Hook"}, body(GITLAB_RELEASE)).event
    assert release is not None and (release.event, release.ref, release.commit, release.release_title) == (
        "release",
        "refs/tags/v1.1",
        "ee0a3fb31ac16e11b9dbb596ad16d4af654d08f8",
        "v1.1",
    )
    issue = {"object_kind": "issue", "project": {"id": 1}}
    assert hooks.parse("gitlab", {"X-Gitlab-Event": "Issue Hook"}, body(issue)).event is None


@pytest.mark.parametrize(
    ("kind", "raw"),
    [
        ("github", b"not json"),
        ("github", b"[1, 2]"),
        ("gitlab", b'{"object_kind": "push"}'),
        ("github", json.dumps({**GITHUB_PULL_OPENED, "pull_request": {"number": 2}}).encode()),
    ],
)
def test_malformed_webhooks(kind: str, raw: bytes) -> None:
    event = {"github": {"X-GitHub-Event": "pull_request"}, "gitlab": {"X-Gitlab-Event": "Push Hook"}}[kind]
    with pytest.raises(hooks.HookError):
        hooks.parse(kind, event, raw)
