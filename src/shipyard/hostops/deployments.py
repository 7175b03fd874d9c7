"""Renderers for deployments and site commands: the user's script runs as the site user, in the
site root, from an uploaded file (never spliced into a command line).

A deployment first fetches the branch (what it deploys is `FORGE_DEPLOY_COMMIT`/`_AUTHOR`/
`_MESSAGE`), lets the site user reload its PHP-FPM with `sudo` (Forge's deploy script does),
runs the deployment script with Forge's `FORGE_*` environment (and the site's `.env` with
`auto_source`), then reports the commit the site root is at.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from shipyard.core.script import HostResult, Script
from shipyard.hostops.git import BRANCH
from shipyard.hostops.render import script
from shipyard.hostops.sites import SITE_USER_COMMENT, SiteSpec, sudoers_path

_PHP_STEPS = """
( flock -w 10 9 || exit 1
    echo 'Restarting FPM...'; sudo -S service $FORGE_PHP_FPM reload ) 9>"/tmp/fpmlock-$USER"

if [ -f artisan ]; then
    $FORGE_PHP artisan migrate --force
fi
"""


def default_script(project_type: str) -> str:
    """Forge's default deployment script, for what the host has: a failing step fails the
    deployment, composer runs when the app has a composer.json, and PHP sites reload PHP-FPM
    (one site at a time per user) and run their migrations."""
    text = (
        "set -e\n\n"
        "cd $FORGE_SITE_PATH\n"
        "git pull origin $FORGE_SITE_BRANCH\n\n"
        "if [ -f composer.json ]; then\n"
        "    $FORGE_COMPOSER install --no-dev --no-interaction --prefer-dist --optimize-autoloader\n"
        "fi\n"
    )
    return text + _PHP_STEPS if project_type == "php" else text


@dataclass(frozen=True)
class Trigger:
    """What started a deployment, as the script sees it."""

    quick: bool  # a push to the repository (quick deploy)
    manual: bool  # deploy now, from the API


@dataclass(frozen=True)
class DeploySpec:
    site: SiteSpec
    server_id: int
    branch: str
    content: str  # the deployment script
    auto_source: bool
    trigger: Trigger

    def __post_init__(self) -> None:
        if not BRANCH.match(self.branch):
            raise ValueError(f"not a branch: {self.branch!r}")


def render_deploy(spec: DeploySpec) -> Script:
    """Run the deployment script as the site user; the result holds `commit_hash`, and
    `commit_author`/`commit_message` in base64, of what the site root is at afterwards."""
    return script(
        "deploy",
        "deploy_run.sh.j2",
        files={"deploy.sh": spec.content},
        spec=spec,
        site=spec.site,
        sudoers=sudoers_path(spec.site.id),
        site_user_comment=SITE_USER_COMMENT,
        idempotent=False,
    )


def render_command(site: SiteSpec, command: str) -> Script:
    """Run a user's command (run as the site user: the runner's `run_as`) in the site root."""
    return script(
        "site-command", "site_command.sh.j2", files={"command.sh": command}, site=site, idempotent=False
    )


@dataclass(frozen=True)
class Commit:
    hash: str
    author: str
    message: str


def _text(value: object) -> str:
    try:
        return base64.b64decode(str(value), validate=True).decode("utf-8", errors="replace")
    except binascii.Error:
        return ""


def deployed_commit(result: HostResult) -> Commit | None:
    """The commit a deployment left the site root at, or None when the host did not say."""
    commit = result.result.get("commit_hash")
    if not isinstance(commit, str) or not re.fullmatch(r"[0-9a-f]{40,64}", commit):
        return None
    return Commit(
        commit,
        _text(result.result.get("commit_author", "")).strip(),
        _text(result.result.get("commit_message", "")).strip(),
    )


def script_output(output: str) -> str:
    """What the user's script printed: the host's output without Shipyard's result line."""
    return "\n".join(line for line in output.splitlines() if not line.startswith("SHIPYARD_RESULT "))
