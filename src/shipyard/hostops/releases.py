"""Zero-downtime releases on a project's servers: clone, build, hooks, atomic swap, purge.

Layout on a server (Envoyer's): `{path}/releases/{release}` per deployment, `{path}/current`
a symlink to the live release, `{path}/.env` shared and linked into each release. Activation
points a fresh temporary link at the release and renames it over `current` (`mv -T`, one
rename(2)): a request sees the old release or the new one, never no release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from shipyard.core.script import Script
from shipyard.hostops.render import script

# Lines the clone script prints about the commit for the deployment record.
MARKER_COMMIT, MARKER_AUTHOR, MARKER_MESSAGE = "SHIPYARD_COMMIT ", "SHIPYARD_AUTHOR ", "SHIPYARD_MESSAGE "
# The line a failed health check ends with, and the lines listing a release's migrations.
MARKER_UNHEALTHY, MARKER_MIGRATION = "unhealthy: ", "SHIPYARD_MIGRATION "
# Where Laravel keeps its migrations, in a release (the rollback warns when they differ).
LARAVEL_MIGRATIONS = "database/migrations"
_PLACEHOLDER = re.compile(r"\{\{\s*(release|project|time|sha|branch)\s*\}\}")


@dataclass(frozen=True)
class Release:
    """Where a release lives on one server."""

    deployment_path: str
    name: str

    @property
    def directory(self) -> str:
        return f"{self.deployment_path}/releases/{self.name}"


@dataclass(frozen=True)
class Folder:
    """A linked folder: `source` inside the release is a link to `target` under the deployment path."""

    source: str
    target: str


def php_fpm_service(php_version: str) -> str:
    """`php82` -> `php8.2-fpm`, the unit Debian's (and Ondřej's) packages install."""
    digits = php_version.removeprefix("php")
    return f"php{digits[0]}.{digits[1:]}-fpm"


def render_check(deployment_path: str) -> Script:
    """Log in, make sure the deployment path exists and is writable, and that git is there."""
    return script("release-check", "release_check.sh.j2", path=deployment_path)


def render_resolve(repository: str, reference: str) -> Script:
    """Which commit `reference` (a branch or tag of `repository`) names now."""
    return script("release-resolve", "release_resolve.sh.j2", repository=repository, reference=reference)


def render_clone(
    release: Release, repository: str, commit: str, folders: tuple[Folder, ...], *, describe: bool
) -> Script:
    """Clone `commit` into the release directory, link `.env` and the linked folders; with
    `describe`, print the commit's author and subject for the deployment record."""
    return script(
        "release-clone",
        "release_clone.sh.j2",
        release=release,
        repository=repository,
        commit=commit,
        folders=folders,
        describe=describe,
        idempotent=False,
    )


def render_composer(release: Release, composer: str, *, install: bool, dev: bool, quiet: bool) -> Script:
    """`composer install` in the release when the project asks for it and has a composer.json."""
    return script(
        "release-composer",
        "release_composer.sh.j2",
        release=release,
        composer=composer,
        install=install,
        dev=dev,
        quiet=quiet,
    )


def hook_body(text: str) -> str:
    """A hook's script with Envoyer's `{{ release }}`-style placeholders read from the environment."""
    return _PLACEHOLDER.sub(lambda match: "${" + match.group(1).upper() + "}", text)


def render_hook(release: Release, body: str, *, sha: str, branch: str, started: bool) -> Script:
    """Run a hook's script (sent as a file, never spliced) in the release, or in the deployment
    path when the release does not exist yet (`started` False)."""
    return script(
        "release-hook",
        "release_hook.sh.j2",
        files={"hook.sh": hook_body(body)},
        release=release,
        sha=sha,
        branch=branch,
        started=started,
        idempotent=False,
    )


def render_activate(release: Release, *, reload_fpm: str | None, sudo: bool) -> Script:
    """Swap `current` to the release atomically and reload PHP-FPM (`reload_fpm`: its unit).
    Prints the release that was live before as `previous`."""
    return script(
        "release-activate", "release_activate.sh.j2", release=release, reload_fpm=reload_fpm, sudo=sudo
    )


def render_purge(deployment_path: str, retain: int, protect: tuple[str, ...]) -> Script:
    """Remove releases beyond the `retain` newest, never the live one nor those in `protect`."""
    return script(
        "release-purge", "release_purge.sh.j2", path=deployment_path, retain=retain, protect=protect
    )


def health_resolve(url: str) -> str:
    """curl's `--resolve` entry that sends the URL's host and port to this server itself."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{f'[{host}]' if ':' in host else host}:{port}:127.0.0.1"


def render_health(url: str, window: int, *, interval: int = 1, timeout: int = 5) -> Script:
    """Request `url` on the server itself (curl, the URL's host resolved to 127.0.0.1) every
    `interval` seconds for `window` seconds; the first answer that is not a 2xx, or none within
    `timeout`, fails with an `unhealthy: <why>` line."""
    return script(
        "release-health",
        "release_health.sh.j2",
        url=url,
        resolve=health_resolve(url),
        window=window,
        interval=interval,
        timeout=timeout,
    )


def render_inspect(deployment_path: str, release: str, *, migrations: str | None) -> Script:
    """Whether `release` is on the server and which release is live; with `migrations` (a
    directory inside a release), the checksum of each file in it, in both releases."""
    return script(
        "release-inspect", "release_inspect.sh.j2", deployment_path=deployment_path, release=release,
        migrations=migrations,
    )  # fmt: skip


def read_migrations(output: str) -> dict[str, dict[str, str]]:
    """`render_inspect`'s listings: {"target" | "live": {path: sha256}}."""
    listed: dict[str, dict[str, str]] = {"target": {}, "live": {}}
    for line in output.splitlines():
        if line.startswith(MARKER_MIGRATION):
            which, _, rest = line[len(MARKER_MIGRATION) :].partition(" ")
            digest, _, path = rest.partition(" ")
            if which in listed and path:
                listed[which][path] = digest
    return listed


def render_remove(release: Release) -> Script:
    """Remove a release that never went live (a failed or cancelled deployment's)."""
    return script("release-remove", "release_remove.sh.j2", release=release)


def render_environment(deployment_path: str, contents: str) -> Script:
    """Write the project's environment file to `{deployment_path}/.env` (mode 0640)."""
    return script(
        "release-environment",
        "release_environment.sh.j2",
        files={"env": contents},
        secrets=tuple(line for line in contents.splitlines() if len(line) >= 4),
        path=deployment_path,
    )
