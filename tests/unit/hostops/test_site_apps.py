"""Workers, Laravel integrations, WordPress and phpMyAdmin renderers: valid bash, Forge's commands,
and hostile values refused."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace

import pytest

from shipyard.core.script import HostResult, Script
from shipyard.hostops import apps, daemons, laravel, workers
from shipyard.hostops.sites import render_write_file
from tests.unit.hostops.test_sites import ISOLATED

WORKER = workers.WorkerSpec(
    id=4,
    user="forge",
    root="/home/forge/shop.test",
    php="php8.2",
    connection="redis",
    queue="high,low",
    sleep=2,
    timeout=45,
    tries=3,
    processes=2,
    stopwaitsecs=7,
    daemon=True,
    force=True,
    environment="staging",
)
ROOT = "/home/shop/shop.example.com"

SCRIPTS: dict[str, Callable[[], Script]] = {
    "worker-install": lambda: workers.render_worker_install(WORKER),
    "worker-log": lambda: daemons.render_log("worker-4"),
    "worker-restart": lambda: daemons.render_restart("worker-4"),
    "worker-remove": lambda: daemons.render_remove("worker-4"),
    "laravel-state": lambda: laravel.render_state("shop", ROOT, "php8.2"),
    "maintenance-down": lambda: laravel.render_maintenance(
        "shop", ROOT, "php8.2", down=True, secret="let-me-in", status=503
    ),
    "maintenance-up": lambda: laravel.render_maintenance(
        "shop", ROOT, "php8.2", down=False, secret=None, status=503
    ),
    "wordpress": lambda: apps.render_app_install(
        ISOLATED, apps.WORDPRESS, database="wp", user="wp", password="Secret123"
    ),
    "phpmyadmin": lambda: apps.render_app_install(
        ISOLATED, apps.PHPMYADMIN, database="pma", user="pma", password="Secret123"
    ),
    "app-uninstall": lambda: apps.render_app_uninstall(ISOLATED, apps.WORDPRESS),
    "write-parents": lambda: render_write_file(
        "shop", "/home/shop/.config/composer/auth.json", "{}", "0600", parents=True
    ),
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_scripts_pass_bash_and_shellcheck(name: str) -> None:
    body = SCRIPTS[name]().body
    subprocess.run(["bash", "-n"], input=body, text=True, check=True)
    assert shutil.which("shellcheck"), "shellcheck is required (Debian package shellcheck)"
    checked = subprocess.run(
        ["shellcheck", "-S", "warning", "-s", "bash", "-"], input=body, text=True, capture_output=True
    )
    assert checked.returncode == 0, checked.stdout


def test_a_worker_is_forges_artisan_command_under_supervisor() -> None:
    assert WORKER.command == (
        "php8.2 /home/forge/shop.test/artisan queue:work redis --queue=high,low --sleep=2 --daemon "
        "--quiet --timeout=45 --tries=3 --force --env=staging"
    )
    listen = replace(WORKER, daemon=False, force=False, tries=None, queue=None, environment=None, php="php")
    assert (
        listen.command
        == "php /home/forge/shop.test/artisan queue:listen redis --sleep=2 --quiet --timeout=45"
    )
    program = workers.render_worker_install(WORKER).files["program.conf"]
    assert "[program:worker-4]" in program and "numprocs=2" in program and "stopwaitsecs=7" in program
    assert "user=forge" in program and "directory=/home/forge/shop.test" in program
    assert "stdout_logfile=/var/log/shipyard/worker-4.log" in program


@pytest.mark.parametrize(
    "change",
    [
        {"connection": "redis; id"},
        {"queue": "a,$(id)"},
        {"environment": "x y"},
        {"php": "php; id"},
        {"root": "/home/forge/../etc"},
        {"user": "Root!"},
    ],
)
def test_a_worker_refuses_hostile_values(change: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        replace(WORKER, **change)  # type: ignore[arg-type]


def test_only_shipyard_programs_are_restarted_removed_or_read() -> None:
    assert daemons.program_name("daemon", 3) == "daemon-3"
    for program in ("nginx", "worker-3;id", "daemon-", "cron-1"):
        with pytest.raises(ValueError):
            daemons.render_remove(program)
    with pytest.raises(ValueError):
        daemons.program_name("evil", 1)


def test_integration_daemons_run_forges_artisan_commands() -> None:
    assert laravel.daemon_command("horizon", "php8.2") == "php8.2 artisan horizon"
    assert (
        laravel.daemon_command("octane", "php8.2", port=8000, server="swoole")
        == "php8.2 artisan octane:start --no-interaction --server=swoole --port=8000"
    )
    assert (
        laravel.daemon_command("reverb", "php8.2", port=8080, host="ws.a.test")
        == "php8.2 artisan reverb:start --no-interaction --port=8080 --hostname=ws.a.test"
    )
    assert laravel.daemon_command("inertia", "php8.2") == "php8.2 artisan inertia:start-ssr"
    for kind, options in (
        ("octane", {"port": 8000, "server": "nginx"}),
        ("reverb", {"port": 8080, "host": "a;b"}),
        ("queue", {}),
    ):
        with pytest.raises(ValueError):
            laravel.daemon_command(kind, "php8.2", **options)  # type: ignore[arg-type]


def test_maintenance_secret_is_uploaded_and_masked() -> None:
    script = laravel.render_maintenance("shop", ROOT, "php8.2", down=True, secret="let-me-in", status=503)
    assert script.files == {"secret": "let-me-in"} and "let-me-in" not in script.body
    assert script.secrets == ("let-me-in",)
    with pytest.raises(ValueError):
        laravel.render_maintenance("shop", ROOT, "php8.2", down=True, secret="a b", status=503)


def test_the_state_lists_only_known_packages() -> None:
    result = HostResult("h", 0, "", {"packages": ["laravel/horizon", 3], "down": True})
    assert laravel.state_of(result) == (frozenset({"laravel/horizon"}), True)
    assert laravel.state_of(HostResult("h", 0, "", {})) == (frozenset(), False)


def test_application_configurations_quote_their_values() -> None:
    config = apps.render_wordpress_config("wp", "wp", "pa'ss\\")
    assert "define('DB_PASSWORD', 'pa\\'ss\\\\');" in config
    assert config.count("define('AUTH_KEY'") == 1 and "wp-settings.php" in config
    pma = apps.render_phpmyadmin_config("pma", "pma", "pw")
    assert "$cfg['Servers'][$i]['pmadb'] = 'pma';" in pma and "$cfg['blowfish_secret']" in pma
    script = apps.render_app_install(ISOLATED, apps.WORDPRESS, database="wp", user="wp", password="Secret123")
    assert "Secret123" not in script.body and script.secrets == ("Secret123",)
    with pytest.raises(ValueError):
        apps.render_app_install(ISOLATED, apps.WORDPRESS, database="wp;x", user="wp", password="Secret123")
