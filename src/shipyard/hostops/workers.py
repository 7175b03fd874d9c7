"""Renderers for a site's queue workers and Laravel daemons: supervisor programs (see `daemons`)
that run the site's `artisan` as the site user, in the site root.

A worker is `worker-<id>`: `php<version> <root>/artisan queue:work <connection> --queue=...
--sleep=... --daemon --quiet --timeout=... --tries=... --force --env=...` (Forge's command; a
worker that is not a daemon runs `queue:listen` instead), with `numprocs` processes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shipyard.core.script import Script
from shipyard.core.validation import UNIX_USER
from shipyard.hostops.daemons import DaemonSpec, render_install

# Queue connections, queue names and environments are names in the app's config files.
QUEUE_NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,64}\Z")
QUEUE_LIST = re.compile(r"^[A-Za-z0-9_.:-]{1,64}(?:,[A-Za-z0-9_.:-]{1,64}){0,15}\Z")
ENVIRONMENT = re.compile(r"^[A-Za-z0-9_.-]{1,64}\Z")
# `php` (the server's default CLI) or `php8.2`.
PHP_BINARY = re.compile(r"^php(?:[0-9]{1,2}\.[0-9]{1,2})?\Z")
SITE_ROOT = re.compile(r"^/home/[a-z_][a-z0-9_-]{0,31}/[a-z0-9][a-z0-9.-]{0,252}\Z")


@dataclass(frozen=True)
class WorkerSpec:
    """One queue worker of a site."""

    id: int
    user: str
    root: str  # the site root, where `artisan` is
    php: str  # the PHP binary: `php` or `php8.2`
    connection: str
    queue: str | None
    sleep: int
    timeout: int
    tries: int | None
    processes: int
    stopwaitsecs: int
    daemon: bool
    force: bool
    environment: str | None

    def __post_init__(self) -> None:
        # The service validated all of this already; a renderer never trusts its input.
        if not UNIX_USER.match(self.user):
            raise ValueError(f"not a user: {self.user!r}")
        if not SITE_ROOT.match(self.root) or ".." in self.root:
            raise ValueError(f"not a site root: {self.root!r}")
        if not PHP_BINARY.match(self.php):
            raise ValueError(f"not a PHP binary: {self.php!r}")
        if not QUEUE_NAME.match(self.connection):
            raise ValueError(f"not a queue connection: {self.connection!r}")
        if self.queue is not None and not QUEUE_LIST.match(self.queue):
            raise ValueError(f"not a queue list: {self.queue!r}")
        if self.environment is not None and not ENVIRONMENT.match(self.environment):
            raise ValueError(f"not an environment: {self.environment!r}")

    @property
    def command(self) -> str:
        """The artisan command line supervisor runs (every part is a validated plain word)."""
        parts = [self.php, f"{self.root}/artisan", "queue:work" if self.daemon else "queue:listen"]
        parts.append(self.connection)
        if self.queue:
            parts.append(f"--queue={self.queue}")
        parts.append(f"--sleep={self.sleep}")
        if self.daemon:
            parts.append("--daemon")
        parts += ["--quiet", f"--timeout={self.timeout}"]
        if self.tries is not None:
            parts.append(f"--tries={self.tries}")
        if self.force:
            parts.append("--force")
        if self.environment:
            parts.append(f"--env={self.environment}")
        return " ".join(parts)

    def program(self) -> DaemonSpec:
        """The supervisor program `worker-<id>`: the command as the site user, in the site root."""
        return DaemonSpec(
            self.id,
            self.command,
            self.user,
            self.root,
            self.processes,
            startsecs=1,
            stopwaitsecs=self.stopwaitsecs,
            stopsignal="TERM",
            kind="worker",
        )


def render_worker_install(spec: WorkerSpec) -> Script:
    """Install or update the worker's program, then wait until all its processes run."""
    return render_install(spec.program())
