"""A site rename moves what runs from the site's root along with it: its workers, its Laravel
daemons and scheduler line, any other daemon of the server started inside the site, and the paths
in its deployment script; on the host they run from the new root and the old one is gone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from tests.e2e.test_databases import wait_status
from tests.e2e.test_site_apps import php_site, running_pids
from tests.e2e.test_sites import Sites, exists, sites, token
from tests.support.forge import Provisioned, wait_until

__all__ = ["sites"]  # the fixture, shared with test_sites


def args_of(provisioned: Provisioned, pid: int) -> str:
    return provisioned.host.run(f"ps -ww -o args= -p {pid}").stdout.strip()


def moved_program(provisioned: Provisioned, program: str, before: list[int], root: str) -> list[int]:
    """Wait until supervisor runs `program` anew (none of the `before` pids) from its configuration
    for `root`; the new pids."""
    pids: list[int] = wait_until(
        lambda: (p := running_pids(provisioned.host, program)) and not set(p) & set(before) and p,
        60,
        f"{program} to restart from {root}",
    )
    conf = provisioned.host.run(f"cat /etc/supervisor/conf.d/{program}.conf").stdout
    assert root in conf and re.search(r"/home/forge/app-", conf) is None, conf
    return pids


@pytest.fixture
def server_daemons(provisioned: Provisioned, sites: Sites) -> Iterator[list[int]]:
    """The ids of the server daemons a test made; they are removed afterwards, whatever happened."""
    made: list[int] = []
    yield made
    base = f"/api/v1/servers/{provisioned.server_id}/daemons"
    for daemon_id in made:
        sites.http.delete(f"{base}/{daemon_id}")
    for daemon_id in made:
        wait_until(
            lambda d=daemon_id: sites.http.get(f"{base}/{d}").status_code == 404, 60, "the daemon's removal"
        )


def test_a_rename_moves_workers_daemons_scheduler_and_deploy_script(
    provisioned: Provisioned, sites: Sites, server_daemons: list[int]
) -> None:
    host, http, sid = provisioned.host, sites.http, provisioned.server_id
    site, root = php_site(sites, host, ["laravel/horizon"])
    base = f"{sites.base}/{site['id']}"
    renamed = f"renamed-{token()}.sites.test"
    new_root = f"/home/forge/{renamed}"

    worker = http.post(f"{base}/workers", json={"connection": "redis", "php_version": "php82"}).json()[
        "worker"
    ]
    horizon = http.post(f"{base}/integrations/horizon", headers={"Content-Type": "application/json"}).json()[
        "daemon"
    ]
    scheduler = http.post(f"{base}/integrations/laravel-scheduler").json()["job"]
    own = http.post(
        f"/api/v1/servers/{sid}/daemons",
        json={
            "command": f"php8.2 {root}/artisan queue:work own",
            "user": "forge",
            "directory": f"{root}/public",
        },
    ).json()["daemon"]
    unrelated = http.post(
        f"/api/v1/servers/{sid}/daemons", json={"command": f"tail -F {root}.old/app.log", "user": "forge"}
    ).json()["daemon"]
    server_daemons += [own["id"], unrelated["id"]]
    script = f"cd {root}\nls {root}/public > /dev/null\necho deployed\n"
    assert http.put(f"{base}/deployment/script", json={"content": script}).status_code == 200
    wait_status(http, f"{base}/workers/{worker['id']}", "worker", "installed")
    for daemon in (horizon, own, unrelated):
        wait_status(http, f"/api/v1/servers/{sid}/daemons/{daemon['id']}", "daemon", "installed")
    wait_status(http, f"/api/v1/servers/{sid}/jobs/{scheduler['id']}", "job", "installed")
    programs = {
        "worker": f"worker-{worker['id']}",
        "horizon": f"daemon-{horizon['id']}",
        "own": f"daemon-{own['id']}",
    }
    before = {name: running_pids(host, program) for name, program in programs.items()}
    assert all(before.values()), before
    unrelated_pids = running_pids(host, f"daemon-{unrelated['id']}")

    response = http.put(base, json={"name": renamed})
    assert response.status_code == 200, response.text
    sites.wait(site["id"])

    # The worker runs artisan from the new root (its program was rewritten and restarted).
    (worker_pid,) = moved_program(provisioned, programs["worker"], before["worker"], new_root)
    assert args_of(provisioned, worker_pid).startswith(
        f"php8.2 {new_root}/artisan queue:listen redis --sleep=3"
    )
    assert (
        http.get(f"{base}/workers/{worker['id']}")
        .json()["worker"]["command"]
        .startswith(f"php8.2 {new_root}/artisan")
    )
    # The integration's daemon and the server daemon started inside the site follow it.
    (horizon_pid,) = moved_program(provisioned, programs["horizon"], before["horizon"], new_root)
    assert host.run(f"readlink /proc/{horizon_pid}/cwd").stdout.strip() == new_root
    assert (
        http.get(f"/api/v1/servers/{sid}/daemons/{horizon['id']}").json()["daemon"]["directory"] == new_root
    )
    (own_pid,) = moved_program(provisioned, programs["own"], before["own"], new_root)
    assert args_of(provisioned, own_pid) == f"php8.2 {new_root}/artisan queue:work own"
    own_now = http.get(f"/api/v1/servers/{sid}/daemons/{own['id']}").json()["daemon"]
    assert (own_now["command"], own_now["directory"], own_now["status"]) == (
        f"php8.2 {new_root}/artisan queue:work own",
        f"{new_root}/public",
        "installed",
    )
    # A path that only starts like the site root is another directory: left alone.
    assert running_pids(host, f"daemon-{unrelated['id']}") == unrelated_pids
    # The scheduler's crontab line and the deployment script name the new root.
    wait_until(
        lambda: f"php8.2 {new_root}/artisan schedule:run" in host.run("crontab -u forge -l").stdout,
        60,
        "the scheduler's line to move",
    )
    assert f"{root}/artisan" not in host.run("crontab -u forge -l").stdout
    job = http.get(f"/api/v1/servers/{sid}/jobs/{scheduler['id']}").json()["job"]
    assert job["command"] == f"php8.2 {new_root}/artisan schedule:run" and job["status"] == "installed"
    assert http.get(f"{base}/deployment/script").text == script.replace(root, new_root)

    # The old root is gone; the work goes on in the new one.
    assert not exists(host, root) and exists(host, f"{new_root}/artisan")
    wait_until(
        lambda: f'"pid":{worker_pid}' in host.run(f"cat {new_root}/storage/logs/artisan.log").stdout,
        30,
        "the moved worker's run in the new root's log",
    )

    sites.delete(site["id"])
    for program in (programs["worker"], programs["horizon"]):
        assert running_pids(host, program) == []
    assert not exists(host, new_root)
