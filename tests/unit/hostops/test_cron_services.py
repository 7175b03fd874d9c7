"""Scheduled jobs and service actions: cron schedules, crontab quoting, and the rendered scripts."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime

import pytest

from shipyard.hostops import cron, services
from shipyard.servers.cron import schedule

HOSTILE = "x'; touch /tmp/pwned; echo '$(id)`id`"


def cron_preprocess(command: str) -> str:
    """What Vixie cron hands to /bin/sh: `\\%` becomes `%`, and the first bare `%` ends the command."""
    out: list[str] = []
    escaped = False
    for char in command:
        if escaped:
            if char == "%":
                out[-1] = "%"
            else:
                out.append(char)
            escaped = False
            continue
        if char == "\\":
            escaped = True
            out.append(char)
            continue
        if char == "%":
            break
        out.append(char)
    return "".join(out)


@pytest.mark.parametrize(
    "command",
    [
        "echo tick-$(date +%s)",
        "date +%Y-%m-%d 100% \\% a\\%b %%",
        "echo \"it's\" 'quoted' \\ trailing\\",
        "php /home/forge/site/artisan schedule:run # a comment",
        HOSTILE,
        "echo a; touch /tmp/pwned; #",
    ],
)
def test_the_crontab_line_hands_the_exact_command_to_the_runner(command: str) -> None:
    spec = cron.CronJobSpec(42, "forge", "* * * * *", command)
    line = cron.crontab_line(spec)
    assert line.startswith(f"* * * * * {cron.RUNNER} 42 ") and line.endswith(" # shipyard-job-42")
    shell_line = cron_preprocess(cron.crontab_command(spec)).replace(cron.RUNNER, "runner", 1)
    done = subprocess.run(
        ["sh", "-c", 'runner() { printf "%s|%s" "$1" "$2"; }; ' + shell_line],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout == f"42|{command}"


def test_presets_and_custom_schedules() -> None:
    assert schedule.build("minutely", {}) == ("* * * * *", {})
    assert schedule.build("nightly", {}) == ("0 0 * * *", {})
    assert schedule.build("weekly", {}) == ("0 0 * * 0", {})
    assert schedule.build("monthly", {}) == ("0 0 1 * *", {})
    assert schedule.build("reboot", {}) == ("@reboot", {})
    fields: dict[str, str | None] = {
        "minute": "*/15",
        "hour": "2-4",
        "day": "*",
        "month": "1,6-8/2",
        "weekday": "MON",
    }
    assert schedule.build("custom", fields) == ("*/15 2-4 * 1,6-8/2 MON", {})
    assert schedule.build("custom", {**fields, "weekday": "7"})[1] == {}
    expression, errors = schedule.build("custom", {"minute": "0"})
    assert expression == "" and set(errors) == {"hour", "day", "month", "weekday"}
    assert "required" in errors["hour"][0]
    assert set(schedule.build("yearly", {})[1]) == {"frequency"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("minute", "* ; touch /tmp/pwned"),
        ("minute", "$(touch /tmp/pwned)"),
        ("hour", "`id`"),
        ("minute", "*\n* * * * * touch /tmp/pwned"),
        ("minute", "5\n"),
        ("minute", "60"),
        ("hour", "*/0"),
        ("hour", "5-1"),
        ("minute", "1/5"),
        ("day", "L"),
        ("weekday", "1#2"),
        ("minute", "H"),
        ("day", "?"),
        ("month", "jan-mar"),
        ("day", "mon"),
        ("weekday", "8"),
        ("minute", "1" * 65),
        ("minute", ""),
    ],
)
def test_cron_fields_are_strict(field: str, value: str) -> None:
    assert schedule.field_error(field, value) is not None
    fields: dict[str, str | None] = {name: "*" for name in schedule.FIELDS}
    fields[field] = value
    expression, errors = schedule.build("custom", fields)
    assert expression == "" and set(errors) == {field}


def test_a_schedule_that_never_runs_is_refused() -> None:
    fields: dict[str, str | None] = {"minute": "0", "hour": "0", "day": "31", "month": "2", "weekday": "*"}
    assert set(schedule.build("custom", fields)[1]) == {"day"}


def test_next_run_time_follows_the_server_timezone() -> None:
    now = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    # 21:00 in Tokyo (UTC+9): the next 02:00 there is 17:00 UTC the same day.
    assert schedule.next_run_time("0 2 * * *", "Asia/Tokyo", now) == datetime(2026, 1, 15, 17, 0, tzinfo=UTC)
    # London keeps summer time (UTC+1): local midnight is 23:00 UTC.
    summer = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)
    assert schedule.next_run_time("0 0 * * *", "Europe/London", summer) == datetime(
        2026, 7, 1, 23, 0, tzinfo=UTC
    )
    assert schedule.next_run_time("* * * * *", "UTC", now) == datetime(2026, 1, 15, 12, 1, tzinfo=UTC)
    assert schedule.next_run_time("0 0 * * *", "Not/AZone", now) == datetime(2026, 1, 16, tzinfo=UTC)
    assert schedule.next_run_time("@reboot", "UTC", now) is None


def check_script(text: str, shell: str = "bash") -> None:
    subprocess.run([shell, "-n"], input=text, text=True, check=True)
    assert shutil.which("shellcheck"), (
        "shellcheck is required (Debian package shellcheck; .ci/run installs it)"
    )
    checked = subprocess.run(
        ["shellcheck", "-S", "warning", "-s", shell, "-"], input=text, text=True, capture_output=True
    )
    assert checked.returncode == 0, checked.stdout


SCRIPTS = {
    "cron-install": lambda: cron.render_install(cron.CronJobSpec(7, "forge", "0 0 * * *", HOSTILE)).body,
    "cron-remove": lambda: cron.render_remove(7, "forge").body,
    "cron-output": lambda: cron.render_output(7, "forge").body,
    "service-start": lambda: services.render_control("start", "mariadb.service").body,
    "service-stop": lambda: services.render_control("stop", "php8.2-fpm.service").body,
    "service-restart-nginx": lambda: (
        services.render_control("restart", "nginx.service", test_nginx=True).body
    ),
    "nginx-test": lambda: services.render_nginx_test().body,
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_scripts_pass_bash_and_shellcheck(name: str) -> None:
    check_script(SCRIPTS[name]())


def test_the_runner_is_posix_sh() -> None:
    runner = cron.render_runner()
    assert runner.startswith("#!/bin/sh\n")
    check_script(runner, "sh")


def test_the_command_travels_as_a_file_and_values_are_quoted() -> None:
    spec = cron.CronJobSpec(7, "forge", "0 0 * * *", HOSTILE)
    script = cron.render_install(spec)
    assert HOSTILE not in script.body and "touch /tmp/pwned" not in script.body
    assert script.files["crontab.line"] == cron.crontab_line(spec) + "\n"
    assert "TAG_PATTERN=' # shipyard-job-7$'" in script.body
    quoted_user = "JOB_USER='x'\"'\"'; touch /tmp/pwned; echo '\"'\"'$(id)`id`'"
    assert quoted_user in cron.render_install(cron.CronJobSpec(7, HOSTILE, "0 0 * * *", "true")).body
    assert quoted_user in cron.render_output(7, HOSTILE).body
    assert quoted_user in cron.render_remove(7, HOSTILE).body


@pytest.mark.parametrize(
    "name",
    [
        "nginx; touch /tmp/pwned",
        "$(touch /tmp/pwned)",
        "-nginx",
        "../nginx",
        "nginx\n",
        "a b",
        "poweroff.target",
        "cron.timer",
        "dbus.socket",
        "back\\slash",
        "x" * 129,
        "",
    ],
)
def test_only_service_names_pass(name: str) -> None:
    with pytest.raises(services.NotAService):
        services.service_unit(name)
    with pytest.raises(services.NotAService):
        services.render_control("restart", name)


def test_service_units() -> None:
    assert services.service_unit("nginx") == "nginx.service"
    assert services.service_unit("php8.2-fpm") == "php8.2-fpm.service"
    assert services.service_unit("mariadb.service") == "mariadb.service"
    assert services.service_unit("getty@tty1") == "getty@tty1.service"
    script = services.render_control("restart", "nginx.service", test_nginx=True)
    assert "UNIT=nginx.service" in script.body and "nginx -t" in script.body and not script.idempotent
    assert "nginx -t" not in services.render_control("stop", "nginx.service", test_nginx=True).body
    with pytest.raises(ValueError, match="unknown service action"):
        services.render_control("reload", "nginx.service")  # type: ignore[arg-type]
