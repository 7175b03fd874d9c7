"""What a git provider's push webhook says: which branches moved, and to which commit.

GitHub (`X-GitHub-Event: push`, `ref`, `after`, `deleted`), GitLab (`X-Gitlab-Event: Push Hook`,
`ref`, `after`), Forgejo, Gitea and Gogs (`X-Forgejo-Event`/`X-Gitea-Event`/`X-Gogs-Event:
push`, GitHub's shape) and Bitbucket Cloud (`X-Event-Key: repo:push`, `push.changes[].new`).
A request with none of these headers is not a webhook; one with another event (`ping`, a tag
push, a branch deletion) is a webhook that moved no branch, with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Header (lowercase) -> (provider, the header's value for a push). Forgejo also sends Gitea's
# and Gogs' headers, Gitea Gogs' one: the first found names the provider.
PUSH_HEADERS = {
    "x-github-event": ("github", "push"),
    "x-gitlab-event": ("gitlab", "Push Hook"),
    "x-forgejo-event": ("forgejo", "push"),
    "x-gitea-event": ("gitea", "push"),
    "x-gogs-event": ("gogs", "push"),
    "x-event-key": ("bitbucket", "repo:push"),
}
_COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?\Z")
_NO_COMMIT = re.compile(r"0+\Z")


@dataclass(frozen=True)
class Head:
    """A branch a push moved, and the commit it points at now (None when the payload omits it)."""

    branch: str
    commit: str | None


@dataclass(frozen=True)
class Push:
    """A provider's webhook: the branches it moved (empty for other events, with `reason`)."""

    provider: str
    event: str
    heads: tuple[Head, ...]
    reason: str | None = None

    def head(self, branch: str) -> Head | None:
        """The push's head of `branch`, if it moved that branch."""
        return next((head for head in self.heads if head.branch == branch), None)


def decode_payload(body: Any) -> Any:
    """A webhook's JSON payload; form-encoded deliveries (GitHub's and Gitea's option) carry it
    in `payload`."""
    if isinstance(body, dict) and isinstance(body.get("payload"), str):
        try:
            return json.loads(body["payload"])
        except json.JSONDecodeError:
            return None
    return body


def _commit(value: Any) -> str | None:
    return value if isinstance(value, str) and _COMMIT.match(value) else None


def _ref_push(provider: str, event: str, payload: dict[str, Any]) -> Push:
    ref = payload.get("ref")
    if not isinstance(ref, str):
        return Push(provider, event, (), "the payload names no ref")
    if not ref.startswith("refs/heads/"):
        return Push(provider, event, (), f"{ref} is not a branch")
    after = payload.get("after")
    if payload.get("deleted") is True or (isinstance(after, str) and _NO_COMMIT.match(after)):
        return Push(provider, event, (), f"{ref} was deleted")
    return Push(provider, event, (Head(ref.removeprefix("refs/heads/"), _commit(after)),))


def _bitbucket_push(event: str, payload: dict[str, Any]) -> Push:
    push = payload.get("push")
    changes = push.get("changes") if isinstance(push, dict) else None
    heads: list[Head] = []
    for change in changes if isinstance(changes, list) else []:
        new = change.get("new") if isinstance(change, dict) else None
        if isinstance(new, dict) and new.get("type") == "branch" and isinstance(new.get("name"), str):
            target = new.get("target")
            heads.append(Head(new["name"], _commit(target.get("hash") if isinstance(target, dict) else None)))
    if not heads:
        return Push("bitbucket", event, (), "the push moved no branch (a tag, or a deletion)")
    return Push("bitbucket", event, tuple(heads))


def parse_push(headers: Mapping[str, str], payload: Any) -> Push | None:
    """The push a webhook reports; None when the request is no provider's webhook."""
    lowered = {name.lower(): value for name, value in headers.items()}
    header = next((name for name in PUSH_HEADERS if name in lowered), None)
    if header is None:
        return None
    provider, push_event = PUSH_HEADERS[header]
    event = lowered[header]
    if event != push_event:
        return Push(provider, event, (), f"the event is {event!r}, not a push")
    if not isinstance(payload, dict):
        return Push(provider, event, (), "the payload is not a JSON object")
    if provider == "bitbucket":
        return _bitbucket_push(event, payload)
    return _ref_push(provider, event, payload)
