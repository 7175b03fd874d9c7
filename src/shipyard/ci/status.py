"""Pipeline, workflow and step statuses, and Woodpecker's priority merge of them."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Status(StrEnum):
    SKIPPED = "skipped"
    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    FAILURE = "failure"
    KILLED = "killed"
    CANCELED = "canceled"
    ERROR = "error"
    BLOCKED = "blocked"
    DECLINED = "declined"
    CREATED = "created"


# Highest priority first: the merge of several statuses is the first of these present.
PRIORITY = (
    Status.DECLINED,
    Status.BLOCKED,
    Status.CREATED,
    Status.ERROR,
    Status.KILLED,
    Status.CANCELED,
    Status.RUNNING,
    Status.PENDING,
    Status.FAILURE,
    Status.SUCCESS,
    Status.SKIPPED,
)
FINISHED = frozenset(
    {
        Status.SKIPPED,
        Status.SUCCESS,
        Status.FAILURE,
        Status.KILLED,
        Status.CANCELED,
        Status.ERROR,
        Status.DECLINED,
    }
)
ACTIVE = frozenset({Status.PENDING, Status.RUNNING})


def merge(statuses: Iterable[str]) -> Status:
    """Merge by priority; `canceled` stays only if everything was canceled, else it counts as killed.

    An empty input merges to `skipped`.
    """
    present = {Status(s) for s in statuses}
    if not present:
        return Status.SKIPPED
    if Status.CANCELED in present and present != {Status.CANCELED}:
        present.discard(Status.CANCELED)
        present.add(Status.KILLED)
    return next(s for s in PRIORITY if s in present)
