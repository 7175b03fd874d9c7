"""Renderers for daemons: supervisor programs named `daemon-<id>`."""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.core.script import Script
from shipyard.hostops.render import render_template, script


@dataclass(frozen=True)
class DaemonSpec:
    id: int
    command: str
    user: str
    directory: str | None
    processes: int
    startsecs: int
    stopwaitsecs: int
    stopsignal: str  # without the SIG prefix, as supervisor wants it

    @property
    def program(self) -> str:
        return f"daemon-{self.id}"


def supervisor_value(value: str) -> str:
    """Supervisor expands `%(name)s` in values; a literal percent sign is `%%`. Newlines never get here."""
    return value.replace("%", "%%")


def render_program(spec: DaemonSpec) -> str:
    return render_template(
        "daemon.conf.j2",
        spec=spec,
        command=supervisor_value(spec.command),
        directory=supervisor_value(spec.directory) if spec.directory else None,
    )


def render_install(spec: DaemonSpec) -> Script:
    """Install or update the program, then wait until all its processes are RUNNING."""
    return script(
        "daemon-install", "daemon_install.sh.j2", files={"program.conf": render_program(spec)}, spec=spec
    )


def render_restart(daemon_id: int) -> Script:
    return script("daemon-restart", "daemon_restart.sh.j2", program=f"daemon-{daemon_id}", idempotent=False)


def render_remove(daemon_id: int) -> Script:
    return script("daemon-remove", "daemon_remove.sh.j2", program=f"daemon-{daemon_id}")
