"""Forge webhooks, pure: which forge sent one (by its headers), whether its signature holds, and
what it asks for (a push, a tag, a pull request, a release, or nothing to run).

- forgejo/gitea: `X-Forgejo-Event`/`X-Gitea-Event`; `X-Forgejo-Signature`/`X-Gitea-Signature` =
  hex HMAC-SHA256 of the body. Events push, create (tag), pull_request, release.
- GitHub: `X-GitHub-Event`; `X-Hub-Signature-256` = `sha256=` + hex HMAC-SHA256. Events push,
  create (tag), pull_request, release (and ping, which runs nothing).
- GitLab: `X-Gitlab-Event`; `X-Gitlab-Token` = the secret itself. Push Hook, Tag Push Hook, Merge
  Request Hook, Release Hook.

Gitea also sends `X-GitHub-Event`, so it is recognised first. A tag is run from its own event
(create / Tag Push Hook), so pushes of tags run nothing (they would run twice).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ZERO_SHA = "0" * 40
SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?\Z")
# Kinds of webhook and the forge types that send them.
KINDS: dict[str, tuple[str, ...]] = {
    "gitea": ("gitea", "forgejo"),
    "github": ("github",),
    "gitlab": ("gitlab",),
}
PR_RUN = "pull_request"
PR_CLOSED = "pull_request_closed"
PR_METADATA = "pull_request_metadata"


class HookError(Exception):
    """The webhook is not what its forge sends (bad JSON, a missing field)."""


@dataclass
class HookEvent:
    """What a webhook asks to run; `commit` may be empty (tags, releases): resolve `ref` then."""

    event: str
    ref: str
    commit: str = ""
    before: str = ""
    branch: str = ""
    refspec: str = ""
    sender: str = ""
    avatar: str = ""
    title: str = ""
    message: str = ""
    author: str = ""
    email: str = ""
    timestamp: int = 0
    forge_url: str = ""
    changed_files: list[str] | None = None
    pull: int = 0
    pr_labels: list[str] = field(default_factory=list)
    pr_milestone: str = ""
    pr_draft: bool = False
    from_fork: bool = False
    release_title: str = ""
    is_prerelease: bool = False


@dataclass
class ParsedHook:
    """The repository a webhook is about (the forge's id of it) and what to run (None: nothing)."""

    kind: str
    remote_id: str
    full_name: str
    event: HookEvent | None


def _header(headers: Mapping[str, str], name: str) -> str:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered:
            return value
    return ""


def detect(headers: Mapping[str, str]) -> str | None:
    """`gitea` (forgejo too), `github`, `gitlab`, or None (Shipyard's own `git` hook format)."""
    if _header(headers, "X-Forgejo-Event") or _header(headers, "X-Gitea-Event"):
        return "gitea"
    if _header(headers, "X-Gitlab-Event"):
        return "gitlab"
    if _header(headers, "X-GitHub-Event"):
        return "github"
    return None


def _hmac(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(kind: str, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
    """Whether the webhook carries the signature (or token) of `secret`."""
    if not secret:
        return False
    if kind == "gitea":
        sent = _header(headers, "X-Forgejo-Signature") or _header(headers, "X-Gitea-Signature")
        return bool(sent) and hmac.compare_digest(sent.strip().lower(), _hmac(secret, body))
    if kind == "github":
        sent = _header(headers, "X-Hub-Signature-256").strip()
        return sent.startswith("sha256=") and hmac.compare_digest(sent[7:].lower(), _hmac(secret, body))
    if kind == "gitlab":
        return hmac.compare_digest(_header(headers, "X-Gitlab-Token").encode(), secret.encode())
    return False


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return "" if value is None else str(value)


def iso_time(value: Any) -> int:
    """Unix seconds of an ISO 8601 time (GitLab writes `2016-08-12 15:23:28 UTC`); 0 if unreadable."""
    text = _str(value).strip().replace(" UTC", "+00:00").replace("Z", "+00:00")
    if not text:
        return 0
    try:
        return int(datetime.fromisoformat(text.replace(" ", "T", 1)).timestamp())
    except ValueError:
        return 0


def _changed(commits: Any) -> list[str]:
    files: set[str] = set()
    for commit in commits if isinstance(commits, list) else []:
        for key in ("added", "removed", "modified"):
            files.update(_str(f) for f in _obj(commit).get(key) or [])
    return sorted(files)


def _branch_push(payload: dict[str, Any], head: dict[str, Any], sender: dict[str, Any]) -> HookEvent | None:
    ref, after = _str(payload.get("ref")), _str(payload.get("after"))
    if not ref.startswith("refs/heads/") or after == ZERO_SHA or not SHA.match(after):
        return None  # a deleted branch, or a tag (run from its own event)
    author = _obj(head.get("author"))
    return HookEvent(
        event="push",
        ref=ref,
        commit=after,
        before=_str(payload.get("before")),
        branch=ref.removeprefix("refs/heads/"),
        sender=_str(sender.get("login") or sender.get("username")),
        avatar=_str(sender.get("avatar_url")),
        message=_str(head.get("message")).strip(),
        author=_str(author.get("name")),
        email=_str(author.get("email")),
        timestamp=iso_time(head.get("timestamp")),
        forge_url=_str(head.get("url") or payload.get("compare_url") or payload.get("compare")),
        changed_files=_changed(payload.get("commits")),
    )


def _head_commit(payload: dict[str, Any]) -> dict[str, Any]:
    after = _str(payload.get("after"))
    head = _obj(payload.get("head_commit"))
    if head:
        return head
    commits = [_obj(c) for c in payload.get("commits") or []]
    return next((c for c in commits if _str(c.get("id")) == after), commits[-1] if commits else {})


def _pr_action(action: str, run: set[str], closed: set[str], metadata: set[str]) -> str | None:
    if action in run:
        return PR_RUN
    if action in closed:
        return PR_CLOSED
    if action in metadata:
        return PR_METADATA
    return None


def _github_like_pr(payload: dict[str, Any], event: str, ref_prefix: str) -> HookEvent:
    pr = _obj(payload.get("pull_request"))
    head, base = _obj(pr.get("head")), _obj(pr.get("base"))
    number = int(pr.get("number") or payload.get("number") or 0)
    sha = _str(head.get("sha"))
    if not number or not SHA.match(sha):
        raise HookError("a pull_request event without a number or head sha")
    user = _obj(pr.get("user"))
    head_repo, base_repo = _obj(head.get("repo")), _obj(base.get("repo"))
    return HookEvent(
        event=event,
        ref=f"{ref_prefix}/{number}/head",
        commit=sha,
        branch=_str(base.get("ref")),
        refspec=f"{_str(head.get('ref'))}:{_str(base.get('ref'))}",
        sender=_str(user.get("login")),
        avatar=_str(user.get("avatar_url")),
        title=_str(pr.get("title")),
        forge_url=_str(pr.get("html_url")),
        pull=number,
        pr_labels=[_str(_obj(label).get("name")) for label in pr.get("labels") or []],
        pr_milestone=_str(_obj(pr.get("milestone")).get("title")),
        pr_draft=bool(pr.get("draft")),
        from_fork=bool(head_repo) and head_repo.get("id") != base_repo.get("id"),
    )


def _tag_created(payload: dict[str, Any], sender: dict[str, Any]) -> HookEvent | None:
    if payload.get("ref_type") != "tag":
        return None
    tag = _str(payload.get("ref")).removeprefix("refs/tags/")
    sha = _str(payload.get("sha"))  # gitea sends it, GitHub does not
    return HookEvent(
        event="tag",
        ref=f"refs/tags/{tag}",
        commit=sha if SHA.match(sha) else "",
        sender=_str(sender.get("login") or sender.get("username")),
        avatar=_str(sender.get("avatar_url")),
    )


def _release(payload: dict[str, Any], sender: dict[str, Any], action: str) -> HookEvent | None:
    if _str(payload.get("action")) != action:
        return None
    release = _obj(payload.get("release"))
    tag = _str(release.get("tag_name"))
    if not tag:
        raise HookError("a release event without a tag")
    return HookEvent(
        event="release",
        ref=f"refs/tags/{tag}",
        sender=_str(sender.get("login") or sender.get("username")),
        avatar=_str(sender.get("avatar_url")),
        title=_str(release.get("name")) or tag,
        forge_url=_str(release.get("html_url")),
        release_title=_str(release.get("name")) or tag,
        is_prerelease=bool(release.get("prerelease")),
    )


def _parse_gitea(name: str, payload: dict[str, Any]) -> HookEvent | None:
    sender = _obj(payload.get("sender"))
    if name == "push":
        return _branch_push(payload, _head_commit(payload), sender)
    if name == "create":
        return _tag_created(payload, sender)
    if name in ("pull_request", "pull_request_sync", "pull_request_label", "pull_request_milestone"):
        action = _str(payload.get("action"))
        event = _pr_action(
            action,
            {"opened", "reopened", "synchronized"},
            {"closed"},
            {"edited", "label_updated", "label_cleared", "milestoned", "demilestoned"},
        )
        return _github_like_pr(payload, event, "refs/pull") if event else None
    if name == "release":
        return _release(payload, sender, "published")
    return None


def _parse_github(name: str, payload: dict[str, Any]) -> HookEvent | None:
    sender = _obj(payload.get("sender"))
    if name == "push":
        return _branch_push(payload, _head_commit(payload), sender)
    if name == "create":
        return _tag_created(payload, sender)
    if name == "pull_request":
        event = _pr_action(
            _str(payload.get("action")),
            {"opened", "reopened", "synchronize"},
            {"closed"},
            {
                "edited",
                "labeled",
                "unlabeled",
                "milestoned",
                "demilestoned",
                "ready_for_review",
                "converted_to_draft",
            },
        )
        return _github_like_pr(payload, event, "refs/pull") if event else None
    if name == "release":
        return _release(payload, sender, "published")
    return None


def _gitlab_push(payload: dict[str, Any], event: str) -> HookEvent | None:
    ref, after = _str(payload.get("ref")), _str(payload.get("checkout_sha") or payload.get("after"))
    if _str(payload.get("after")) == ZERO_SHA or not SHA.match(after):
        return None  # a deleted branch or tag
    head = _head_commit(payload)
    author = _obj(head.get("author"))
    return HookEvent(
        event=event,
        ref=ref,
        commit=after,
        before=_str(payload.get("before")),
        branch=ref.removeprefix("refs/heads/") if event == "push" else "",
        sender=_str(payload.get("user_username")),
        avatar=_str(payload.get("user_avatar")),
        message=_str(head.get("message") or payload.get("message")).strip(),
        author=_str(author.get("name")),
        email=_str(author.get("email")),
        timestamp=iso_time(head.get("timestamp")),
        forge_url=_str(head.get("url")),
        changed_files=_changed(payload.get("commits")) if event == "push" else None,
    )


def _gitlab_merge_request(payload: dict[str, Any]) -> HookEvent | None:
    attrs = _obj(payload.get("object_attributes"))
    action = _str(attrs.get("action"))
    code_changed = action == "update" and bool(attrs.get("oldrev"))
    event = _pr_action(action, {"open", "reopen"}, {"close", "merge"}, {"update"})
    if code_changed:
        event = PR_RUN
    if event is None:
        return None
    number = int(attrs.get("iid") or 0)
    last = _obj(attrs.get("last_commit"))
    sha = _str(last.get("id"))
    if not number or not SHA.match(sha):
        raise HookError("a merge request event without an iid or last commit")
    user = _obj(payload.get("user"))
    author = _obj(last.get("author"))
    source, target = _str(attrs.get("source_branch")), _str(attrs.get("target_branch"))
    return HookEvent(
        event=event,
        ref=f"refs/merge-requests/{number}/head",
        commit=sha,
        branch=target,
        refspec=f"{source}:{target}",
        sender=_str(user.get("username")),
        avatar=_str(user.get("avatar_url")),
        title=_str(attrs.get("title")),
        message=_str(last.get("message")).strip(),
        author=_str(author.get("name")),
        email=_str(author.get("email")),
        timestamp=iso_time(last.get("timestamp")),
        forge_url=_str(attrs.get("url")),
        pull=number,
        pr_labels=[_str(_obj(label).get("title")) for label in payload.get("labels") or []],
        pr_milestone="",
        pr_draft=bool(attrs.get("draft") or attrs.get("work_in_progress")),
        from_fork=attrs.get("source_project_id") != attrs.get("target_project_id"),
    )


def _gitlab_release(payload: dict[str, Any]) -> HookEvent | None:
    if _str(payload.get("action")) != "create":
        return None
    tag = _str(payload.get("tag"))
    if not tag:
        raise HookError("a release event without a tag")
    commit = _obj(payload.get("commit"))
    author = _obj(commit.get("author"))
    sha = _str(commit.get("id"))
    return HookEvent(
        event="release",
        ref=f"refs/tags/{tag}",
        commit=sha if SHA.match(sha) else "",
        title=_str(payload.get("name")) or tag,
        message=_str(commit.get("message")).strip(),
        author=_str(author.get("name")),
        email=_str(author.get("email")),
        timestamp=iso_time(commit.get("timestamp")),
        forge_url=_str(payload.get("url")),
        release_title=_str(payload.get("name")) or tag,
    )


def _parse_gitlab(name: str, payload: dict[str, Any]) -> HookEvent | None:
    if name == "Push Hook":
        return _gitlab_push(payload, "push")
    if name == "Tag Push Hook":
        return _gitlab_push(payload, "tag")
    if name == "Merge Request Hook":
        return _gitlab_merge_request(payload)
    if name == "Release Hook":
        return _gitlab_release(payload)
    return None


def parse(kind: str, headers: Mapping[str, str], body: bytes) -> ParsedHook:
    """The repository and event of a webhook of `kind`; HookError when it cannot be read."""
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise HookError("the webhook body is not JSON") from exc
    if not isinstance(payload, dict):
        raise HookError("the webhook body is not a JSON object")
    try:
        if kind == "gitlab":
            project = _obj(payload.get("project"))
            remote_id = _str(project.get("id") or payload.get("project_id"))
            full_name = _str(project.get("path_with_namespace"))
            event = _parse_gitlab(_header(headers, "X-Gitlab-Event"), payload)
        else:
            repository = _obj(payload.get("repository"))
            remote_id, full_name = _str(repository.get("id")), _str(repository.get("full_name"))
            name = (
                _header(headers, "X-Forgejo-Event") or _header(headers, "X-Gitea-Event")
                if kind == "gitea"
                else _header(headers, "X-GitHub-Event")
            )
            event = (_parse_gitea if kind == "gitea" else _parse_github)(name, payload)
    except (TypeError, ValueError, AttributeError) as exc:
        raise HookError(f"the webhook payload is not what {kind} sends: {exc}") from exc
    if not remote_id.isdigit():
        raise HookError("the webhook names no repository")
    return ParsedHook(kind, remote_id, full_name, event)
