"""The four deployment actions, in the order a deployment runs them (fixed, as in Envoyer), and
Shipyard's own health check, which runs after activation when the project has a health URL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

CLONE, COMPOSER, ACTIVATE, PURGE, HEALTH = 1, 2, 3, 4, 5
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Action:
    id: int
    name: str
    view: str


ACTIONS = (
    Action(CLONE, "Clone New Release", "scripts.deployments.CloneNewRelease"),
    Action(COMPOSER, "Install Composer Dependencies", "scripts.deployments.InstallComposerDependencies"),
    Action(ACTIVATE, "Activate New Release", "scripts.deployments.ActivateNewRelease"),
    Action(PURGE, "Purge Old Releases", "scripts.deployments.PurgeOldReleases"),
)
BY_ID = {action.id: action for action in ACTIONS}
# Not in `ACTIONS` (hooks cannot attach to it): a process of this action checks the health URL.
HEALTH_CHECK = Action(HEALTH, "Check Health", "shipyard.deployments.CheckHealth")
