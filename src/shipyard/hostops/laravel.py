"""Renderers for a site's Laravel application: what its `composer.lock` holds and whether it is
down (one read), `artisan down/up` as the site user in the site root, and the artisan commands of
the daemons Forge's integrations run.
"""

from __future__ import annotations

import re

from shipyard.core.script import HostResult, Script
from shipyard.core.validation import UNIX_USER
from shipyard.hostops.render import script
from shipyard.hostops.sites import SITE_USER_COMMENT
from shipyard.hostops.workers import PHP_BINARY, SITE_ROOT

FRAMEWORK = "laravel/framework"
# The package each integration needs in the app's composer.lock.
PACKAGES = {
    "horizon": "laravel/horizon",
    "octane": "laravel/octane",
    "reverb": "laravel/reverb",
    "pulse": "laravel/pulse",
    "inertia": "inertiajs/inertia-laravel",
}
OCTANE_SERVERS = ("swoole", "roadrunner", "frankenphp")
# Laravel puts the secret into a URL path: keep it to URL-safe characters.
MAINTENANCE_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,128}\Z")
REVERB_HOST = re.compile(
    r"^(?=.{1,253}\Z)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\Z"
)


def daemon_command(
    kind: str, php: str, *, port: int | None = None, server: str | None = None, host: str | None = None
) -> str:
    """The command (run in the site root) of an integration's daemon, as Forge writes it."""
    if not PHP_BINARY.match(php):
        raise ValueError(f"not a PHP binary: {php!r}")
    if kind == "horizon":
        return f"{php} artisan horizon"
    if kind == "octane":
        if server not in OCTANE_SERVERS or port is None:
            raise ValueError(f"not an Octane server and port: {server!r} {port!r}")
        return f"{php} artisan octane:start --no-interaction --server={server} --port={int(port)}"
    if kind == "reverb":
        if port is None or host is None or not REVERB_HOST.match(host):
            raise ValueError(f"not a Reverb host and port: {host!r} {port!r}")
        return f"{php} artisan reverb:start --no-interaction --port={int(port)} --hostname={host}"
    if kind == "pulse":
        return f"{php} artisan pulse:check"
    if kind == "inertia":
        return f"{php} artisan inertia:start-ssr"
    raise ValueError(f"not an integration daemon: {kind!r}")


def _check(user: str, root: str, php: str) -> None:
    if not UNIX_USER.match(user) or not SITE_ROOT.match(root) or ".." in root or not PHP_BINARY.match(php):
        raise ValueError(f"not a site user, root and PHP: {user!r} {root!r} {php!r}")


def render_state(user: str, root: str, php: str) -> Script:
    """Which of the integrations' packages (and Laravel itself) the app's composer.lock holds, and
    whether the app is in maintenance mode (result: `lock`, `packages`, `down`)."""
    _check(user, root, php)
    return script(
        "laravel-state",
        "laravel_state.sh.j2",
        user=user,
        root=root,
        php=php,
        packages=[FRAMEWORK, *PACKAGES.values()],
        site_user_comment=SITE_USER_COMMENT,
    )


def render_maintenance(
    user: str, root: str, php: str, *, down: bool, secret: str | None, status: int
) -> Script:
    """`artisan down --status=... [--secret=...]` or `artisan up`, as the site user in the site root."""
    _check(user, root, php)
    if secret is not None and not MAINTENANCE_SECRET.match(secret):
        raise ValueError("not a maintenance secret")
    if not 100 <= status <= 599:
        raise ValueError(f"not an HTTP status: {status!r}")
    return script(
        "laravel-maintenance",
        "laravel_maintenance.sh.j2",
        files={"secret": secret} if secret else None,
        secrets=(secret,) if secret else (),
        user=user,
        root=root,
        php=php,
        down=down,
        status=status,
        with_secret=bool(secret),
        site_user_comment=SITE_USER_COMMENT,
        idempotent=True,
    )


def state_of(result: HostResult) -> tuple[frozenset[str], bool]:
    """The packages the lock file holds and whether the app is down, from `render_state`'s result."""
    packages = result.result.get("packages", [])
    names = (
        frozenset(name for name in packages if isinstance(name, str))
        if isinstance(packages, list)
        else frozenset()
    )
    return names, result.result.get("down") is True
