"""Site workers, Laravel integrations, maintenance mode, composer credentials, WordPress and
phpMyAdmin on the provisioned host.

The application under test is a tiny stand-in for Laravel: an `artisan` that logs how it was run
(arguments, user, directory) and then loops like a worker or daemon, implements `down`/`up` as
Laravel does (the `storage/framework/down` file), and an `index.php` that honours that file.
"""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import httpx

from tests.e2e.test_databases import wait_status
from tests.e2e.test_sites import Sites, exists, fetch, served, sites, token, write_as
from tests.support.forge import Provisioned, wait_until
from tests.support.hosts import Host
from tests.support.server import ShipyardServer

__all__ = ["sites"]  # the fixture, shared with test_sites

ARTISAN = r"""#!/usr/bin/env php
<?php
// A stand-in for Laravel's artisan, for tests: it logs how it was run, then acts the command out.
$log = __DIR__ . '/storage/logs/artisan.log';
$me = posix_getpwuid(posix_geteuid())['name'];
$entry = ['argv' => array_slice($argv, 1), 'user' => $me, 'cwd' => getcwd(), 'pid' => getmypid()];
file_put_contents($log, json_encode($entry) . "\n", FILE_APPEND | LOCK_EX);
$command = $argv[1] ?? 'list';
$options = [];
foreach (array_slice($argv, 2) as $argument) {
    if (preg_match('/^--([a-z-]+)=(.*)$/', $argument, $m)) { $options[$m[1]] = $m[2]; }
}
$down = __DIR__ . '/storage/framework/down';
if ($command === 'down') {
    $payload = ['status' => (int) ($options['status'] ?? 503), 'secret' => $options['secret'] ?? null];
    file_put_contents($down, json_encode($payload));
    echo "Application is now in maintenance mode.\n";
    exit(0);
}
if ($command === 'up') {
    @unlink($down);
    echo "Application is now live.\n";
    exit(0);
}
if ($command === 'schedule:run') {
    exit(0);
}
echo "artisan $command running as $me\n";
while (true) { sleep(1); }
"""
INDEX = r"""<?php
$down = __DIR__ . '/../storage/framework/down';
if (is_file($down)) {
    $data = json_decode(file_get_contents($down), true);
    http_response_code($data['status'] ?? 503);
    echo 'Service Unavailable';
    exit;
}
echo 'app is up';
"""


def laravel_app(host: Host, user: str, root: str, packages: list[str]) -> None:
    """Put the stand-in app into the site root, with a composer.lock that pins `packages`."""
    lock = {
        "packages": [{"name": "laravel/framework", "version": "v11.0.0"}],
        "packages-dev": [{"name": name, "version": "v1.0.0"} for name in packages],
    }
    write_as(host, user, f"{root}/artisan", ARTISAN)
    write_as(host, user, f"{root}/public/index.php", INDEX)
    write_as(host, user, f"{root}/composer.lock", json.dumps(lock, indent=4))
    host.run(f"runuser -u {user} -- mkdir -p {root}/storage/logs {root}/storage/framework")


def artisan_runs(host: Host, root: str) -> list[dict[str, Any]]:
    out = host.run(f"cat {root}/storage/logs/artisan.log 2>/dev/null || true").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def running_pids(host: Host, program: str) -> list[int]:
    status = host.run(f"supervisorctl status '{program}:*'", check=False).stdout
    return sorted(int(pid) for pid in re.findall(r"RUNNING\s+pid (\d+)", status))


def php_site(sites: Sites, host: Host, packages: list[str]) -> tuple[dict[str, Any], str]:
    domain = f"app-{token()}.sites.test"
    site = sites.create(domain=domain)
    sites.wait(site["id"])
    root = f"/home/forge/{domain}"
    laravel_app(host, "forge", root, packages)
    return site, root


def test_a_worker_runs_artisan_queue_work_as_the_site_user(provisioned: Provisioned, sites: Sites) -> None:
    host, http = provisioned.host, sites.http
    site, root = php_site(sites, host, [])
    base = f"{sites.base}/{site['id']}/workers"

    for field, value in (("connection", "redis; id"), ("queue", "a b,$(id)"), ("environment", "x`id`")):
        refused = http.post(base, json={"connection": "redis", field: value})
        assert refused.status_code == 422 and field in refused.json()["errors"], refused.text
    refused = http.post(base, json={"connection": "redis", "php_version": "php56"})
    assert refused.status_code == 422 and "php_version" in refused.json()["errors"]

    created = http.post(
        base,
        json={
            "connection": "redis",
            "queue": "high,low",
            "timeout": 45,
            "sleep": 2,
            "tries": 3,
            "processes": 2,
            "stopwaitsecs": 7,
            "daemon": True,
            "force": True,
            "php_version": "php82",
        },
    )
    assert created.status_code == 200, created.text
    worker = created.json()["worker"]
    expected = (
        f"php8.2 {root}/artisan queue:work redis --queue=high,low --sleep=2 --daemon --quiet "
        "--timeout=45 --tries=3 --force"
    )
    assert worker["command"] == expected
    assert (worker["daemon"], worker["force"], worker["tries"], worker["processes"]) == (1, 1, 3, 2)
    assert worker["status"] == "installing" and worker["php_version"] == "php82"
    wid = worker["id"]
    wait_status(http, f"{base}/{wid}", "worker", "installed")

    program = f"worker-{wid}"
    pids = running_pids(host, program)
    assert len(pids) == 2
    for pid in pids:
        assert host.run(f"ps -o user= -p {pid}").stdout.strip() == "forge"
    assert "stopwaitsecs=7" in host.run(f"cat /etc/supervisor/conf.d/{program}.conf").stdout
    runs = [r for r in artisan_runs(host, root) if r["argv"][:1] == ["queue:work"]]
    assert {r["pid"] for r in runs} >= set(pids)
    assert (
        runs[-1]["argv"] == expected.split()[2:] and runs[-1]["user"] == "forge" and runs[-1]["cwd"] == root
    )
    output = wait_until(
        lambda: (
            "artisan queue:work running as forge" in (o := http.get(f"{base}/{wid}/output").json()["output"])
            and o
        ),
        30,
        "the worker's output",
    )
    assert "running as forge" in output
    assert [w["id"] for w in http.get(base).json()["workers"]] == [wid]

    assert http.post(f"{base}/{wid}/restart").status_code == 200
    wait_until(
        lambda: len(p := running_pids(host, program)) == 2 and not set(p) & set(pids),
        60,
        "restarted processes",
    )

    # Not a daemon: queue:listen, with the server's default PHP CLI.
    listen = http.post(base, data={"connection": "database", "php_version": "php", "tries": ""}).json()[
        "worker"
    ]
    assert listen["command"] == f"php {root}/artisan queue:listen database --sleep=3 --quiet --timeout=60"
    wait_status(http, f"{base}/{listen['id']}", "worker", "installed")
    assert len(running_pids(host, f"worker-{listen['id']}")) == 1

    assert http.delete(f"{base}/{wid}").status_code == 204
    wait_until(lambda: http.get(f"{base}/{wid}").status_code == 404, 60, "the worker's removal")
    assert running_pids(host, program) == []
    assert not exists(host, f"/etc/supervisor/conf.d/{program}.conf")
    for pid in pids:
        assert host.run(f"kill -0 {pid}", check=False).returncode != 0

    # The site's removal takes its remaining worker with it.
    sites.delete(site["id"])
    assert running_pids(host, f"worker-{listen['id']}") == []
    assert not exists(host, f"/etc/supervisor/conf.d/worker-{listen['id']}.conf")


def integration(http: httpx.Client, path: str) -> dict[str, Any]:
    response = http.get(path)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_integrations_run_artisan_daemons_and_the_scheduler(
    server: ShipyardServer, provisioned: Provisioned, sites: Sites
) -> None:
    host, http, sid = provisioned.host, sites.http, provisioned.server_id
    site, root = php_site(sites, host, ["laravel/horizon", "laravel/octane"])
    base = f"{sites.base}/{site['id']}/integrations"

    assert integration(http, f"{base}/horizon") == {
        "enabled": False,
        "daemon": None,
        "horizon_installed": True,
    }
    assert integration(http, f"{base}/pulse")["pulse_installed"] is False
    assert integration(http, f"{base}/reverb") == {
        "enabled": False,
        "daemon": None,
        "reverb_host": None,
        "reverb_port": None,
        "reverb_connections": None,
        "reverb_installed": False,
    }
    for kind, body, field in (
        ("octane", {"server": "apache"}, "server"),
        ("reverb", {"host": "a;b"}, "host"),
    ):
        refused = http.post(f"{base}/{kind}", json=body)
        assert refused.status_code == 422 and field in refused.json()["errors"], refused.text

    wanted = {
        "horizon": ({}, ["horizon"]),
        "octane": (
            {"port": 8123, "server": "roadrunner"},
            ["octane:start", "--no-interaction", "--server=roadrunner", "--port=8123"],
        ),
        "reverb": (
            {"port": 8090, "host": "ws.example.test", "connections": 500},
            ["reverb:start", "--no-interaction", "--port=8090", "--hostname=ws.example.test"],
        ),
        "pulse": ({}, ["pulse:check"]),
        "inertia": ({"deploys_restart_inertia_daemon": False}, ["inertia:start-ssr"]),
    }
    daemons: dict[str, dict[str, Any]] = {}
    for kind, (body, _) in wanted.items():
        # The Forge SDK posts an empty JSON body where there is no payload.
        if body:
            created = http.post(f"{base}/{kind}", json=body)
        else:
            created = http.post(f"{base}/{kind}", headers={"Content-Type": "application/json"})
        assert created.status_code == 200, created.text
        daemon = created.json()["daemon"]
        assert daemon["status"] == "installing" and daemon["user"] == "forge" and daemon["directory"] == root
        daemons[kind] = daemon
    assert (
        daemons["inertia"]["stopsignal"] == "SIGQUIT"
        and daemons["horizon"]["command"] == "php8.2 artisan horizon"
    )

    for kind, (_, argv) in wanted.items():
        did = daemons[kind]["id"]
        wait_status(http, f"/api/v1/servers/{sid}/daemons/{did}", "daemon", "installed")
        status = integration(http, f"{base}/{kind}")
        assert status["enabled"] is True and status["daemon"]["id"] == did
        assert status[f"{kind}_installed"] is (kind in ("horizon", "octane"))
        pids = running_pids(host, f"daemon-{did}")
        assert len(pids) == 1 and host.run(f"ps -o user= -p {pids[0]}").stdout.strip() == "forge"
        runs = [r for r in artisan_runs(host, root) if r["pid"] == pids[0]]
        assert runs and runs[0]["argv"] == argv and runs[0]["cwd"] == root, runs
    reverb = integration(http, f"{base}/reverb")
    assert (reverb["reverb_host"], reverb["reverb_port"], reverb["reverb_connections"]) == (
        "ws.example.test",
        8090,
        500,
    )
    listed = {d["id"] for d in http.get(f"/api/v1/servers/{sid}/daemons").json()["daemons"]}
    assert {d["id"] for d in daemons.values()} <= listed

    # The scheduler: Forge's cron line in the site user's crontab.
    job = http.post(f"{base}/laravel-scheduler").json()["job"]
    assert job["command"] == f"php8.2 {root}/artisan schedule:run" and job["cron"] == "* * * * *"
    assert job["user"] == "forge" and job["frequency"] == "minutely"
    wait_status(http, f"/api/v1/servers/{sid}/jobs/{job['id']}", "job", "installed")
    scheduler = integration(http, f"{base}/laravel-scheduler")
    assert (
        scheduler["enabled"] is True
        and scheduler["job"]["id"] == job["id"]
        and scheduler["laravel_installed"]
    )
    line = next(
        line
        for line in host.run("crontab -u forge -l").stdout.splitlines()
        if line.endswith(f"# shipyard-job-{job['id']}")
    )
    assert line.startswith("* * * * * ") and f"php8.2 {root}/artisan schedule:run" in line

    # Off again: each daemon and the cron line are gone from the host.
    for kind in ("horizon", "octane"):
        assert http.delete(f"{base}/{kind}").status_code == 204
    for kind in ("horizon", "octane"):
        did = daemons[kind]["id"]
        wait_until(lambda k=kind: not integration(http, f"{base}/{k}")["enabled"], 60, f"{kind} to be off")
        wait_until(
            lambda d=did: http.get(f"/api/v1/servers/{sid}/daemons/{d}").status_code == 404,
            60,
            "the daemon's removal",
        )
        assert running_pids(host, f"daemon-{did}") == []
        assert not exists(host, f"/etc/supervisor/conf.d/daemon-{did}.conf")
    assert http.delete(f"{base}/laravel-scheduler").status_code == 204
    wait_until(
        lambda: not integration(http, f"{base}/laravel-scheduler")["enabled"], 60, "the scheduler to be off"
    )
    wait_until(
        lambda: f"shipyard-job-{job['id']}" not in host.run("crontab -u forge -l", check=False).stdout,
        30,
        "the cron line to go",
    )
    # The line goes before the job does: re-enabling waits for that (else: "being removed", a 422).
    wait_until(
        lambda: http.get(f"/api/v1/servers/{sid}/jobs/{job['id']}").status_code == 404, 60, "the job to go"
    )

    # What is still on goes with the site: reverb, pulse and inertia, and a new scheduler line.
    again = http.post(f"{base}/laravel-scheduler").json()["job"]
    wait_status(http, f"/api/v1/servers/{sid}/jobs/{again['id']}", "job", "installed")
    sites.delete(site["id"])
    for kind in ("reverb", "pulse", "inertia"):
        did = daemons[kind]["id"]
        assert running_pids(host, f"daemon-{did}") == []
        assert not exists(host, f"/etc/supervisor/conf.d/daemon-{did}.conf")
        assert http.get(f"/api/v1/servers/{sid}/daemons/{did}").status_code == 404
    assert f"shipyard-job-{again['id']}" not in host.run("crontab -u forge -l", check=False).stdout
    assert http.get(f"/api/v1/servers/{sid}/jobs/{again['id']}").status_code == 404


def test_maintenance_mode_makes_the_site_answer_503(provisioned: Provisioned, sites: Sites) -> None:
    host, http = provisioned.host, sites.http
    site, root = php_site(sites, host, [])
    base = f"{sites.base}/{site['id']}/integrations/laravel-maintenance"
    served(host, site["name"], "app is up")
    assert integration(http, base) == {"enabled": False, "status": None, "laravel_installed": True}

    refused = http.post(base, json={"secret": "a b;id"})
    assert refused.status_code == 422 and "secret" in refused.json()["errors"]
    enabling = http.post(base, json={"secret": "let-me-in", "status": 503})
    assert enabling.status_code == 200 and enabling.json() == {"enabled": False, "status": "enabling"}
    wait_until(
        lambda: integration(http, base) == {"enabled": True, "status": None, "laravel_installed": True},
        60,
        "down",
    )
    assert fetch(host, site["name"]).status_code == 503
    down = [r["argv"] for r in artisan_runs(host, root) if r["argv"][:1] == ["down"]]
    assert down == [["down", "--status=503", "--secret=let-me-in"]]

    disabling = http.delete(base)
    assert disabling.status_code == 200 and disabling.json() == {"enabled": True, "status": "disabling"}
    wait_until(lambda: not integration(http, base)["enabled"], 60, "up")
    served(host, site["name"], "app is up")


def test_composer_credentials_go_to_the_site_users_auth_json(provisioned: Provisioned, sites: Sites) -> None:
    host, http = provisioned.host, sites.http
    domain = f"pkg-{token()}.sites.test"
    user = f"pkg{token()}"
    site = sites.create(domain=domain, isolated=True, username=user)
    sites.wait(site["id"])
    base = f"{sites.base}/{site['id']}/packages"
    auth = f"/home/{user}/.config/composer/auth.json"

    assert http.get(base).json() == {"credentials": {"http-basic": {}}}
    for field, value in (("repository_url", "a.test; id"), ("username", "a\nb")):
        credential = {"repository_url": "packages.laravel.com", "username": "oliver", "password": "secret"}
        refused = http.put(base, json={"credentials": [{**credential, field: value}]})
        assert refused.status_code == 422 and f"credentials.0.{field}" in refused.json()["errors"], (
            refused.text
        )
    assert not exists(host, auth)

    body = {
        "credentials": [
            {"repository_url": "packages.laravel.com", "username": "oliver", "password": "s3cret'\"$x"},
            {"repository_url": "https://nova.laravel.com/", "username": "taylor", "password": "other"},
        ]
    }
    updated = http.put(base, json=body)
    assert updated.status_code == 200, updated.text
    expected = {
        "credentials": {
            "http-basic": {
                "packages.laravel.com": {"username": "oliver", "password": None},
                "nova.laravel.com": {"username": "taylor", "password": None},
            }
        }
    }
    assert updated.json() == expected and http.get(base).json() == expected
    assert host.run(f"stat -c '%a %U' {auth}").stdout.split() == ["600", user]
    on_host = json.loads(host.run(f"cat {auth}").stdout)
    assert on_host["http-basic"]["packages.laravel.com"] == {"username": "oliver", "password": "s3cret'\"$x"}

    # Other entries of auth.json stay; the http-basic ones are exactly the new list.
    host.run(
        f"runuser -u {user} -- php -r "
        + shlex.quote(
            f'$a = json_decode(file_get_contents("{auth}"), true);'
            ' $a["github-oauth"] = ["github.com" => "tok"];'
            f' file_put_contents("{auth}", json_encode($a));'
        )
    )
    assert http.put(base, json={"credentials": [body["credentials"][1]]}).status_code == 200
    on_host = json.loads(host.run(f"cat {auth}").stdout)
    assert on_host["github-oauth"] == {"github.com": "tok"} and list(on_host["http-basic"]) == [
        "nova.laravel.com"
    ]
    sites.delete(site["id"])


def database_and_user(http: httpx.Client, sid: int, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    base = f"/api/v1/servers/{sid}"
    database = http.post(f"{base}/databases", json={"name": name}).json()["database"]
    wait_status(http, f"{base}/databases/{database['id']}", "database", "installed")
    created = http.post(
        f"{base}/database-users",
        json={"name": name, "password": "Initial-1234", "databases": [database["id"]]},
    )
    assert created.status_code == 200, created.text
    user = wait_status(http, f"{base}/database-users/{created.json()['user']['id']}", "user", "installed")
    return database, user


def drop_database_and_user(
    http: httpx.Client, sid: int, database: dict[str, Any], user: dict[str, Any]
) -> None:
    base = f"/api/v1/servers/{sid}"
    assert http.delete(f"{base}/database-users/{user['id']}").status_code == 204
    assert http.delete(f"{base}/databases/{database['id']}").status_code == 204
    wait_until(
        lambda: http.get(f"{base}/databases/{database['id']}").status_code == 404, 120, "the database to go"
    )


def wait_app(sites: Sites, site_id: int, app: str | None, status: str | None) -> dict[str, Any]:
    found: dict[str, Any] = wait_until(
        lambda: (s := sites.get(site_id))["app_status"] not in ("installing", "removing") and s,
        900,
        "the application's job",
    )
    assert (found["app"], found["app_status"]) == (app, status), found
    return found


def test_wordpress_is_installed_from_debian_and_reaches_its_database(
    server: ShipyardServer, provisioned: Provisioned, sites: Sites
) -> None:
    host, http, sid = provisioned.host, sites.http, provisioned.server_id
    t = token()
    database, user = database_and_user(http, sid, f"wp_{t}")
    try:
        site = sites.create(domain=f"wp-{t}.sites.test")
        sites.wait(site["id"])
        path = f"{sites.base}/{site['id']}/wordpress"
        refused = http.post(path, json={"database": "nope", "user": user["id"]})
        assert refused.status_code == 422 and "database" in refused.json()["errors"]

        installing = http.post(path, json={"database": database["name"], "user": user["id"]})
        assert installing.status_code == 200, installing.text
        assert installing.json()["site"]["app"] == "WordPress"
        assert installing.json()["site"]["app_status"] == "installing"
        wait_app(sites, site["id"], "WordPress", "installed")

        web = f"/home/forge/{site['name']}/public"
        assert host.run(f"stat -c '%a %U' {web}/wp-config.php").stdout.split() == ["640", "forge"]
        # WordPress connects to its database and, finding no tables, sends the visitor to its installer.
        home = fetch(host, site["name"])
        assert home.status_code == 302 and "/wp-admin/install.php" in home.headers["location"], home.text[
            :500
        ]
        installer = fetch(host, site["name"], "/wp-admin/install.php")
        assert installer.status_code == 200 and "WordPress" in installer.text, installer.text[:500]
        assert "Error establishing a database connection" not in installer.text

        assert http.delete(path).status_code == 204
        wait_app(sites, site["id"], None, None)
        assert not exists(host, f"{web}/wp-config.php")
        served(host, site["name"], "This site is ready.")
        sites.delete(site["id"])
    finally:
        drop_database_and_user(http, sid, database, user)


def test_phpmyadmin_is_installed_from_debian_and_serves_its_login(
    server: ShipyardServer, provisioned: Provisioned, sites: Sites
) -> None:
    host, http, sid = provisioned.host, sites.http, provisioned.server_id
    t = token()
    database, user = database_and_user(http, sid, f"pma_{t}")
    try:
        site = sites.create(domain=f"pma-{t}.sites.test")
        sites.wait(site["id"])
        path = f"{sites.base}/{site['id']}/phpmyadmin"
        assert http.post(path, json={"database": database["name"], "user": user["id"]}).status_code == 200
        wait_app(sites, site["id"], "phpMyAdmin", "installed")

        login = fetch(host, site["name"])
        assert login.status_code == 200 and "phpMyAdmin" in login.text and "pma_username" in login.text, (
            login.text[:800]
        )
        tables = host.run(f"mysql -N -B -e 'SHOW TABLES' {database['name']}").stdout.split()
        assert "pma__bookmark" in tables

        assert http.delete(path).status_code == 204
        wait_app(sites, site["id"], None, None)
        served(host, site["name"], "This site is ready.")
        sites.delete(site["id"])
    finally:
        drop_database_and_user(http, sid, database, user)
