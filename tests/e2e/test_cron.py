"""Scheduled jobs become lines in the user's crontab on the provisioned host, and cron runs them."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from shipyard.core.script import HostResult, Script
from shipyard.hostops import cron
from shipyard.remote.ssh import Endpoint, Login, Remote
from shipyard.servers.cron import schedule
from tests.support.api import Account, client, new_user, token_for
from tests.support.forge import Provisioned, output_of, server_of, wait_until
from tests.support.hosts import HostPool
from tests.support.server import ShipyardServer

RUNNER = "/usr/local/lib/shipyard/cron-job"
# `%` is special to cron and `'` to the shell: both must reach the job unchanged.
TICK = 'echo tick-$(date +%s) 100% "it\'s"'


def job_of(http: Any, server_id: int, job_id: int) -> dict[str, Any]:
    response = http.get(f"/api/v1/servers/{server_id}/jobs/{job_id}")
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()["job"]
    return job


def crontab(provisioned: Provisioned, user: str) -> str:
    return provisioned.host.run(f"crontab -l -u {user} 2>/dev/null || true").stdout


def line_of(provisioned: Provisioned, user: str, job_id: int) -> list[str]:
    return [
        line for line in crontab(provisioned, user).splitlines() if line.endswith(f" # shipyard-job-{job_id}")
    ]


def wait_installed(http: Any, server_id: int, job_id: int) -> dict[str, Any]:
    return wait_until(  # type: ignore[no-any-return]
        lambda: (j := job_of(http, server_id, job_id))["status"] != "installing" and j, 120, "the job install"
    )


def delete_and_wait(http: Any, server_id: int, job_id: int) -> None:
    assert http.delete(f"/api/v1/servers/{server_id}/jobs/{job_id}").status_code == 204
    wait_until(
        lambda: http.get(f"/api/v1/servers/{server_id}/jobs/{job_id}").status_code == 404, 60, "the removal"
    )


def parse_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def test_a_minutely_job_runs_under_cron_and_its_output_is_served(
    server: ShipyardServer, provisioned: Provisioned
) -> None:
    sid = provisioned.server_id
    with client(server, provisioned.owner) as http:
        created = http.post(f"/api/v1/servers/{sid}/jobs", json={"command": TICK, "frequency": "minutely"})
        assert created.status_code == 200, created.text
        job = created.json()["job"]
        jid = job["id"]
        assert (job["status"], job["user"], job["frequency"], job["cron"], job["command"]) == (
            "installing",
            "forge",
            "minutely",
            "* * * * *",
            TICK,
        )
        next_run = parse_time(job["next_run_time"])
        now = datetime.now(UTC)
        assert next_run.second == 0 and now - timedelta(seconds=5) < next_run <= now + timedelta(seconds=61)
        assert wait_installed(http, sid, jid)["status"] == "installed"

        [line] = line_of(provisioned, "forge", jid)
        assert line.startswith(f"* * * * * {RUNNER} {jid} ")
        assert "pwned" not in crontab(provisioned, "forge")
        log = f"/home/forge/.shipyard/job-{jid}.log"
        wait_until(
            lambda: "tick-" in provisioned.host.run(f"cat {log} 2>/dev/null || true").stdout,
            80,
            "cron to run the job",
            every=2,
        )
        assert provisioned.host.run(f"stat -c %U {log}").stdout.strip() == "forge"
        # A token's first use is stamped in the request; the read from the host must not wait on it.
        owner = provisioned.owner
        fresh = Account(owner.name, owner.password, token_for(server, owner.name, owner.password), owner.id)
        with client(server, fresh) as first_use:
            output = first_use.get(f"/api/v1/servers/{sid}/jobs/{jid}/output")
        assert output.status_code == 200, output.text
        assert re.search(r"^tick-\d{10} 100% it's$", output.json()["output"], re.M), output.text
        assert [j["id"] for j in http.get(f"/api/v1/servers/{sid}/jobs").json()["jobs"]] == [jid]

        delete_and_wait(http, sid, jid)
        assert line_of(provisioned, "forge", jid) == []
        assert provisioned.host.run(f"test -e {log}", check=False).returncode != 0


def test_custom_root_nightly_and_reboot_schedules(server: ShipyardServer, provisioned: Provisioned) -> None:
    sid = provisioned.server_id
    with client(server, provisioned.owner) as http:
        timezone = server_of(http, sid)["timezone"]
        custom = http.post(
            f"/api/v1/servers/{sid}/jobs",
            json={
                "command": "date >> /tmp/shipyard-custom",
                "frequency": "custom",
                "user": "root",
                "minute": "*/15",
                "hour": "2-4",
                "day": "*",
                "month": 6,
                "weekday": "1-5",
            },
        )
        assert custom.status_code == 200, custom.text
        # The Forge SDK sends forms; Forge's own examples write the frequency capitalised.
        nightly = http.post(
            f"/api/v1/servers/{sid}/jobs",
            data={"command": "php -v", "frequency": "Nightly", "user": "root"},
        )
        assert nightly.status_code == 200, nightly.text
        reboot = http.post(f"/api/v1/servers/{sid}/jobs", json={"command": "true", "frequency": "reboot"})
        assert reboot.status_code == 200, reboot.text
        jobs = {
            name: r.json()["job"]
            for name, r in [("custom", custom), ("nightly", nightly), ("reboot", reboot)]
        }

        assert jobs["custom"]["cron"] == "*/15 2-4 * 6 1-5"
        assert parse_time(jobs["custom"]["next_run_time"]) == schedule.next_run_time(
            "*/15 2-4 * 6 1-5", timezone
        )
        assert (jobs["nightly"]["frequency"], jobs["nightly"]["cron"]) == ("nightly", "0 0 * * *")
        assert (jobs["reboot"]["cron"], jobs["reboot"]["next_run_time"]) == ("@reboot", None)
        for name, job in jobs.items():
            assert wait_installed(http, sid, job["id"])["status"] == "installed", name

        [line] = line_of(provisioned, "root", jobs["custom"]["id"])
        assert line.startswith(f"*/15 2-4 * 6 1-5 {RUNNER} ")
        [line] = line_of(provisioned, "root", jobs["nightly"]["id"])
        assert (
            line
            == f"0 0 * * * {RUNNER} {jobs['nightly']['id']} 'php -v' # shipyard-job-{jobs['nightly']['id']}"
        )
        [line] = line_of(provisioned, "forge", jobs["reboot"]["id"])
        assert line.startswith(f"@reboot {RUNNER} ")
        listed = http.get(f"/api/v1/servers/{sid}/jobs").json()["jobs"]
        assert {j["id"] for j in listed} >= {j["id"] for j in jobs.values()}

        # Removing one job takes out exactly its line.
        delete_and_wait(http, sid, jobs["custom"]["id"])
        assert line_of(provisioned, "root", jobs["custom"]["id"]) == []
        assert len(line_of(provisioned, "root", jobs["nightly"]["id"])) == 1
        for name in ("nightly", "reboot"):
            delete_and_wait(http, sid, jobs[name]["id"])
        assert "shipyard-job-" not in crontab(provisioned, "root") + crontab(provisioned, "forge")


def test_a_job_for_a_missing_user_fails_with_the_reason(
    server: ShipyardServer, provisioned: Provisioned
) -> None:
    sid = provisioned.server_id
    with client(server, provisioned.owner) as http:
        created = http.post(
            f"/api/v1/servers/{sid}/jobs",
            json={"command": "true", "frequency": "hourly", "user": "nosuchuser"},
        )
        jid = created.json()["job"]["id"]
        assert wait_installed(http, sid, jid)["status"] == "failed"
        output = output_of(http, sid, f"Installing scheduled job {jid}")
        assert "the user nosuchuser does not exist on this server" in output
        delete_and_wait(http, sid, jid)


CUSTOM = {"frequency": "custom", "minute": "0", "hour": "0", "day": "*", "month": "*", "weekday": "*"}


def test_job_input_is_validated_and_nothing_runs(server: ShipyardServer, provisioned: Provisioned) -> None:
    sid = provisioned.server_id
    cases: list[tuple[str, dict[str, Any]]] = [
        ("command", {"command": "true\n* * * * * touch /tmp/pwned", "frequency": "minutely"}),
        ("command", {"command": "true\rtouch /tmp/pwned", "frequency": "minutely"}),
        ("command", {"command": "true\x00touch /tmp/pwned", "frequency": "minutely"}),
        ("command", {"command": "echo " + "%" * 300, "frequency": "minutely"}),
        ("user", {"command": "true", "frequency": "minutely", "user": "root; touch /tmp/pwned"}),
        ("user", {"command": "true", "frequency": "minutely", "user": "$(touch /tmp/pwned)"}),
        ("user", {"command": "true", "frequency": "minutely", "user": "forge\n"}),
        ("frequency", {"command": "true", "frequency": "minutely; touch /tmp/pwned"}),
        ("frequency", {"command": "true", "frequency": "yearly"}),
        ("minute", {"command": "true", **CUSTOM, "minute": "* * * * * touch /tmp/pwned #"}),
        ("minute", {"command": "true", **CUSTOM, "minute": "61"}),
        ("hour", {"command": "true", **CUSTOM, "hour": "$(touch /tmp/pwned)"}),
        ("day", {"command": "true", **CUSTOM, "day": "`touch /tmp/pwned`"}),
        ("day", {"command": "true", **CUSTOM, "day": "31", "month": "2"}),
        ("month", {"command": "true", **CUSTOM, "month": "1;touch /tmp/pwned"}),
        ("weekday", {"command": "true", **CUSTOM, "weekday": "1\n* * * * * touch /tmp/pwned"}),
        ("weekday", {"command": "true", **CUSTOM, "weekday": None}),
        ("minute", {"command": "true", "frequency": "minutely", "minute": "$(touch /tmp/pwned)"}),
    ]
    with client(server, provisioned.owner) as http:
        before = http.get(f"/api/v1/servers/{sid}/jobs").json()["jobs"]
        for field, body in cases:
            response = http.post(f"/api/v1/servers/{sid}/jobs", json=body)
            assert response.status_code == 422 and field in response.json()["errors"], (
                field,
                body,
                response.text,
            )
        assert http.get(f"/api/v1/servers/{sid}/jobs").json()["jobs"] == before
    assert provisioned.host.run("test -e /tmp/pwned", check=False).returncode != 0
    assert "pwned" not in crontab(provisioned, "forge") + crontab(provisioned, "root")


def test_another_users_server_and_jobs_are_not_found(
    server: ShipyardServer, admin_account: Account, provisioned: Provisioned
) -> None:
    sid = provisioned.server_id
    with client(server, provisioned.owner) as http:
        created = http.post(f"/api/v1/servers/{sid}/jobs", json={"command": "true", "frequency": "hourly"})
        jid = created.json()["job"]["id"]
        assert http.get(f"/api/v1/servers/{sid}/jobs/{jid + 1000}").status_code == 404
        assert http.get(f"/api/v1/servers/{sid}/jobs/{jid + 1000}/output").status_code == 404
        try:
            stranger = new_user(server, admin_account)
            with client(server, stranger) as other:
                for method, path in [
                    ("GET", ""),
                    ("POST", ""),
                    ("GET", f"/{jid}"),
                    ("GET", f"/{jid}/output"),
                    ("DELETE", f"/{jid}"),
                ]:
                    response = other.request(
                        method,
                        f"/api/v1/servers/{sid}/jobs{path}",
                        json={"command": "true", "frequency": "hourly"},
                    )
                    assert response.status_code == 404, (method, path, response.text)
            assert job_of(http, sid, jid)["status"] in ("installing", "installed")
        finally:
            wait_installed(http, sid, jid)
            delete_and_wait(http, sid, jid)


def run_script(provisioned: Provisioned, script: Script) -> HostResult:
    """Run a rendered script over SSH the way Shipyard does, with the suite's root key."""

    async def run() -> HostResult:
        remote = Remote()
        try:
            result, _ = await remote.run(
                Endpoint(provisioned.host.ip),
                Login(private_key=HostPool.root_key()),
                script,
                pinned_host_key=None,
                time_limit=60,
            )
            return result
        finally:
            await remote.close()

    return asyncio.run(run())


def test_install_and_remove_converge_and_keep_the_users_own_lines(provisioned: Provisioned) -> None:
    host, user = provisioned.host, "cronprobe"
    host.run(f"id -u {user} >/dev/null 2>&1 || useradd --create-home {user}")
    try:
        # Nothing to remove from a user without a crontab.
        assert run_script(provisioned, cron.render_remove(999_999, user)).changed is False
        own = "5 5 * * * echo mine 100\\% # keep"
        host.run(f"printf '%s\\n' '# my own jobs' '{own}' | crontab -u {user} -")
        spec = cron.CronJobSpec(999_999, user, "*/5 * * * *", TICK)
        first, second = (run_script(provisioned, cron.render_install(spec)) for _ in range(2))
        assert (first.ok, first.changed, second.ok, second.changed) == (True, True, True, False), first.output
        assert crontab(provisioned, user).splitlines() == ["# my own jobs", own, cron.crontab_line(spec)]
        # A changed schedule replaces the job's line instead of adding one.
        moved = cron.CronJobSpec(999_999, user, "0 * * * *", TICK)
        assert run_script(provisioned, cron.render_install(moved)).changed is True
        assert crontab(provisioned, user).splitlines() == ["# my own jobs", own, cron.crontab_line(moved)]
        first, second = (run_script(provisioned, cron.render_remove(999_999, user)) for _ in range(2))
        assert (first.ok, first.changed, second.ok, second.changed) == (True, True, True, False), first.output
        assert crontab(provisioned, user).splitlines() == ["# my own jobs", own]
    finally:
        host.run(f"crontab -u {user} -r 2>/dev/null; userdel -r {user} 2>/dev/null || true")
