"""Renderers for scheduled jobs: one line per job in the user's crontab, tagged `# shipyard-job-<id>`.

The line runs the job through a small runner (`RUNNER`) that appends the job's output to
`~/.shipyard/job-<id>.log` as the job's user, so the API can serve its tail.
"""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.core.script import Script
from shipyard.hostops.render import render_template, script

RUNNER = "/usr/local/lib/shipyard/cron-job"
LOG_MAX_BYTES = 1024 * 1024  # rotated to .log.1 past this size
OUTPUT_MAX_BYTES = 64 * 1024
OUTPUT_MAX_LINES = 1000
# Debian's cron silently cuts a crontab command (what follows the schedule) at 999 characters.
MAX_CRONTAB_COMMAND = 999


@dataclass(frozen=True)
class CronJobSpec:
    id: int
    user: str
    cron: str  # a validated cron expression or @reboot
    command: str  # a single line, run by /bin/sh as `user`

    @property
    def tag(self) -> str:
        return f"shipyard-job-{self.id}"


def crontab_quote(command: str) -> str:
    """`command` as one single-quoted /bin/sh word that survives cron's own `%` processing.

    Cron turns an unescaped `%` into a newline (and feeds the rest to stdin), and `\\%` into `%`.
    Every `%` is therefore closed out of the quotes and escaped as `'\\%'`: the character before
    the backslash is always our quote, never one of the command's own backslashes.
    """
    return "'" + command.replace("'", "'\\''").replace("%", "'\\%'") + "'"


def crontab_command(spec: CronJobSpec) -> str:
    """What follows the schedule on the crontab line."""
    return f"{RUNNER} {spec.id} {crontab_quote(spec.command)} # {spec.tag}"


def crontab_line(spec: CronJobSpec) -> str:
    return f"{spec.cron} {crontab_command(spec)}"


def render_runner() -> str:
    return render_template("cron_runner.sh.j2", max_bytes=LOG_MAX_BYTES)


def render_install(spec: CronJobSpec) -> Script:
    """Put the job's line into the user's crontab (replacing an older line of the job), then check it."""
    return script(
        "cron-install",
        "cron_install.sh.j2",
        files={"crontab.line": crontab_line(spec) + "\n", "cron-job": render_runner()},
        spec=spec,
        runner=RUNNER,
    )


def render_remove(job_id: int, user: str) -> Script:
    """Remove exactly the job's line from the user's crontab, and its log."""
    return script("cron-remove", "cron_remove.sh.j2", job_id=job_id, user=user, tag=f"shipyard-job-{job_id}")


def render_output(job_id: int, user: str) -> Script:
    """Print the tail of the job's log, read as the job's user (nothing when it has not run yet)."""
    return script(
        "cron-output",
        "cron_output.sh.j2",
        job_id=job_id,
        user=user,
        max_lines=OUTPUT_MAX_LINES,
        max_bytes=OUTPUT_MAX_BYTES,
    )
