"""Renderers for supervisor programs: server daemons (`daemon-<id>`) and site workers (`worker-<id>`).

Each program logs to `/var/log/shipyard/<program>.log`, whose tail `render_log` reads.
"""

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
    kind: str = "daemon"  # the program's name prefix: "daemon" or "worker"

    @property
    def program(self) -> str:
        return program_name(self.kind, self.id)


PROGRAM_KINDS = ("daemon", "worker")
LOG_LINES = 500
LOG_MAX_BYTES = 64 * 1024


def program_name(kind: str, resource_id: int) -> str:
    """The supervisor program of a daemon or worker."""
    if kind not in PROGRAM_KINDS:
        raise ValueError(f"not a program kind: {kind!r}")
    return f"{kind}-{int(resource_id)}"


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


def render_restart(program: str) -> Script:
    """Restart all processes of the program (`program_name`)."""
    return script("daemon-restart", "daemon_restart.sh.j2", program=_checked(program), idempotent=False)


def render_remove(program: str) -> Script:
    """Stop the program (`program_name`) and remove its configuration."""
    return script("daemon-remove", "daemon_remove.sh.j2", program=_checked(program))


def render_log(program: str) -> Script:
    """Print the last lines of the program's log (nothing when it has none yet)."""
    return script(
        "daemon-log", "daemon_log.sh.j2", program=_checked(program), lines=LOG_LINES, max_bytes=LOG_MAX_BYTES
    )


def _checked(program: str) -> str:
    kind, _, number = program.partition("-")
    if kind not in PROGRAM_KINDS or not number.isascii() or not number.isdigit():
        raise ValueError(f"not a supervisor program of Shipyard: {program!r}")
    return program
