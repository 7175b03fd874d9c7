"""`when` filters: event, branch, ref, repo, instance, platform, cron, status, matrix, path, evaluate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from wcmatch import glob

from shipyard.ci.compiler.expr import ExpressionError, evaluate

_FLAGS = glob.GLOBSTAR | glob.BRACE | glob.DOTGLOB
PATH_EVENTS = frozenset({"push", "pull_request", "pull_request_closed", "pull_request_metadata"})


class ConstraintError(ValueError):
    """A `when` that cannot be evaluated (a bad `evaluate` expression, say)."""


@dataclass(frozen=True)
class MatchContext:
    """The facts a `when` is matched against."""

    event: str
    branch: str
    ref: str
    repo: str
    cron: str = ""
    instance: str = ""
    platform: str = ""
    changed_files: list[str] = field(default_factory=list)
    matrix: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)


def _globs(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [str(item) for item in value]
    return [str(value)]


def _split(constraint: Any) -> tuple[list[str], list[str]]:
    if isinstance(constraint, dict):
        return _globs(constraint.get("include")), _globs(constraint.get("exclude"))
    return _globs(constraint), []


def _matches(value: str, pattern: str) -> bool:
    return value == pattern or glob.globmatch(value, pattern, flags=_FLAGS)


def match_list(constraint: Any, value: str) -> bool:
    """A string, a list or `{include, exclude}`: no include means everything is included."""
    if constraint is None:
        return True
    include, exclude = _split(constraint)
    if include and not any(_matches(value, pattern) for pattern in include):
        return False
    return not any(_matches(value, pattern) for pattern in exclude)


def _match_path(constraint: Any, files: list[str]) -> bool:
    on_empty = True
    if isinstance(constraint, dict):
        on_empty = bool(constraint.get("on_empty", True))
    include, exclude = _split(constraint)
    if not files:
        return on_empty
    if include and not any(_matches(f, p) for f in files for p in include):
        return False
    return not (exclude and all(any(_matches(f, p) for p in exclude) for f in files))


def _condition_matches(cond: Mapping[str, Any], ctx: MatchContext) -> bool:
    """Everything but `status`, which decides when (not whether) a step runs."""
    if not match_list(cond.get("event"), ctx.event):
        return False
    if ctx.event != "tag" and not match_list(cond.get("branch"), ctx.branch):
        return False
    if not match_list(cond.get("ref"), ctx.ref) or not match_list(cond.get("repo"), ctx.repo):
        return False
    if not match_list(cond.get("instance"), ctx.instance):
        return False
    if ctx.platform and not match_list(cond.get("platform"), ctx.platform):
        return False
    if ctx.event == "cron" and not match_list(cond.get("cron"), ctx.cron):
        return False
    matrix = cond.get("matrix")
    if isinstance(matrix, dict) and any(
        not _matches(ctx.matrix.get(str(k), ""), str(v)) for k, v in matrix.items()
    ):
        return False
    if "path" in cond and ctx.event in PATH_EVENTS and not _match_path(cond["path"], ctx.changed_files):
        return False
    expression = cond.get("evaluate")
    if expression:
        try:
            return evaluate(str(expression), ctx.env)
        except ExpressionError as exc:
            raise ConstraintError(f"when.evaluate {expression!r}: {exc}") from exc
    return True


def conditions(when: Any) -> list[Mapping[str, Any]]:
    if when is None:
        return []
    return [c for c in when if isinstance(c, dict)] if isinstance(when, list) else [when]


def matches(when: Any, ctx: MatchContext) -> bool:
    """Whether any condition of `when` holds (no `when`: always)."""
    conds = conditions(when)
    return not conds or any(_condition_matches(c, ctx) for c in conds)


def run_flags(when: Any, ctx: MatchContext) -> tuple[bool, bool]:
    """(on_success, on_failure): whether the step runs while the workflow is fine / has failed."""
    conds = [c for c in conditions(when) if _condition_matches(c, ctx)]
    if not conds:
        return True, False
    statuses = [set(_globs(c.get("status"))) for c in conds]
    on_success = any(not s or "success" in s for s in statuses)
    on_failure = any("failure" in s for s in statuses)
    return on_success, on_failure
