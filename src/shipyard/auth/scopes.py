"""Token scopes: Envoyer's `X:create`/`X:delete` and Forgejo's `read:X`/`write:X`.

Envoyer's rule holds for both styles: every GET works with any token. Creating and updating
needs `X:create` (or `write:X`); deleting needs `X:delete` (or `write:X`). A token with no
scopes, or with `all`, may do everything its user may.
"""

from __future__ import annotations

from enum import StrEnum

RESOURCES = (
    "user",
    "tokens",
    "credentials",
    "servers",
    "sites",
    "databases",
    "daemons",
    "firewall",
    "jobs",
    "keys",
    "certificates",
    "workers",
    "recipes",
    "backups",
    "monitors",
    "projects",
    "environments",
    "hooks",
    "deployments",
    "heartbeats",
    "collaborators",
    "notifications",
    "repos",
    "pipelines",
    "secrets",
    "registries",
    "crons",
    "agents",
    "forges",
    "orgs",
    "admin",
)
ALL = "all"


class Action(StrEnum):
    READ = "read"
    CREATE = "create"
    DELETE = "delete"


def action_for_method(method: str) -> Action:
    if method in ("GET", "HEAD", "OPTIONS"):
        return Action.READ
    return Action.DELETE if method == "DELETE" else Action.CREATE


def known_scopes() -> list[str]:
    scopes = [ALL]
    for resource in RESOURCES:
        scopes += [f"{resource}:create", f"{resource}:delete", f"read:{resource}", f"write:{resource}"]
    return scopes


_KNOWN = frozenset(known_scopes())


def is_known(scope: str) -> bool:
    return scope in _KNOWN


def allows(scopes: list[str], resource: str, action: Action) -> bool:
    """Whether a token with `scopes` may perform `action` on `resource`."""
    if action is Action.READ or not scopes or ALL in scopes:
        return True
    if f"write:{resource}" in scopes:
        return True
    return f"{resource}:{action.value}" in scopes


def needed_scope(resource: str, action: Action) -> str:
    return f"{resource}:{action.value}"
