"""Release scripts: every value quoted, hooks sent as files, the swap a rename; bash and shellcheck."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from shipyard.core.script import Script
from shipyard.core.secrets import WrongKey, seal, unseal
from shipyard.core.validation import GIT_REF, GIT_URL, RELATIVE_PATH, is_clean_absolute_path
from shipyard.hostops import releases as ops
from shipyard.releases.deployments.engine import plan

RELEASE = ops.Release("/home/deploy/app", "20260101120000")
EVIL = "x'; touch /tmp/pwned; echo '"

SCRIPTS: dict[str, Script] = {
    "check": ops.render_check(RELEASE.deployment_path),
    "resolve": ops.render_resolve("git://10.0.0.1/app.git", "main"),
    "clone": ops.render_clone(
        RELEASE,
        "git@github.com:a/b.git",
        "abc123",
        (ops.Folder("public/uploads", "storage/uploads"),),
        describe=True,
    ),
    "composer": ops.render_composer(RELEASE, "composer", install=True, dev=False, quiet=True),
    "hook": ops.render_hook(RELEASE, "npm run prod", sha="abc", branch="main", started=True),
    "activate": ops.render_activate(RELEASE, reload_fpm="php8.2-fpm", sudo=True),
    "purge": ops.render_purge(RELEASE.deployment_path, 3, ("20250101000000",)),
    "remove": ops.render_remove(RELEASE),
    "environment": ops.render_environment(RELEASE.deployment_path, "APP_KEY=secret\n"),
    "health": ops.render_health("https://app.example.com/health?check=1", 30),
    "inspect": ops.render_inspect(RELEASE.deployment_path, RELEASE.name, migrations=ops.LARAVEL_MIGRATIONS),
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_scripts_pass_bash_and_shellcheck(name: str) -> None:
    body = SCRIPTS[name].body
    subprocess.run(["bash", "-n"], input=body, text=True, check=True)
    assert shutil.which("shellcheck"), "shellcheck is required (Debian package shellcheck)"
    done = subprocess.run(
        ["shellcheck", "-S", "warning", "-s", "bash", "-"], input=body, text=True, capture_output=True
    )
    assert done.returncode == 0, done.stdout


def test_activation_renames_a_fresh_link_over_current() -> None:
    body = SCRIPTS["activate"].body
    assert 'ln -sfn -- "$release" "$link"' in body and 'mv -T -- "$link" "$path/current"' in body
    assert "rm " not in body.split("previous=")[1]
    assert "sudo -n systemctl reload php8.2-fpm" in body


def test_hook_scripts_travel_as_files_with_placeholders_from_the_environment() -> None:
    script = ops.render_hook(
        RELEASE, f"cd {{{{ release }}}} && echo {EVIL}", sha="abc", branch="main", started=True
    )
    assert EVIL not in script.body
    assert script.files["hook.sh"] == f"cd ${{RELEASE}} && echo {EVIL}"
    assert 'bash "$SHIPYARD_STAGING/hook.sh"' in script.body


def test_values_are_quoted() -> None:
    release = ops.Release(f"/srv/{EVIL}", "1")
    body = ops.render_clone(release, EVIL, EVIL, (ops.Folder(EVIL, EVIL),), describe=False).body
    assert "'\"'\"'" in body and "\ntouch /tmp/pwned" not in body


def test_the_environment_is_a_masked_file() -> None:
    script = SCRIPTS["environment"]
    assert script.files == {"env": "APP_KEY=secret\n"} and "APP_KEY" not in script.body
    assert script.mask("APP_KEY=secret") == "********"


def test_fpm_unit_names() -> None:
    assert ops.php_fpm_service("php82") == "php8.2-fpm"
    assert ops.php_fpm_service("php74") == "php7.4-fpm"


def test_sealed_values_open_only_with_their_key() -> None:
    sealed = seal("APP_KEY=1\n", "correct horse")
    assert "APP_KEY" not in sealed
    assert unseal(sealed, "correct horse") == "APP_KEY=1\n"
    with pytest.raises(WrongKey):
        unseal(sealed, "battery staple")


@pytest.mark.parametrize(
    ("value", "ok"),
    [("main", True), ("feature/x-1", True), ("v8.4.1", True), ("-b", False), ("a..b", False), ("a b", False),
     ("x.lock", False), ("a;b", False), ("a\n", False), ("a/", False)],
)  # fmt: skip
def test_git_refs(value: str, ok: bool) -> None:
    assert bool(GIT_REF.match(value)) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [("git@github.com:a/b.git", True), ("git://10.0.0.1:9418/app.git", True), ("https://h/a/b.git", True),
     ("-oProxyCommand=x", False), ("a;b", False), ("ssh://h/$(id)", False)],
)  # fmt: skip
def test_git_urls(value: str, ok: bool) -> None:
    assert bool(GIT_URL.match(value)) is ok


def test_paths() -> None:
    assert RELATIVE_PATH.match("storage/app") and not RELATIVE_PATH.match("a/../b")
    assert not RELATIVE_PATH.match("/etc") and not RELATIVE_PATH.match("..")
    assert is_clean_absolute_path("/home/forge/app") and not is_clean_absolute_path("/home/../etc")


class _Server:
    def __init__(self, server_id: int) -> None:
        self.id = server_id


class _Hook:
    def __init__(self, hook_id: int, action_id: int, timing: str, sequence: int, servers: list[int]) -> None:
        self.id, self.action_id, self.timing, self.sequence, self.servers = (
            hook_id,
            action_id,
            timing,
            sequence,
            servers,
        )
        self.name = f"hook {hook_id}"


def test_plan_orders_hooks_around_actions_per_server() -> None:
    servers = [_Server(1), _Server(2)]
    hooks = [_Hook(10, 3, "before", 2, []), _Hook(11, 3, "before", 1, [2]), _Hook(12, 1, "after", 1, [1])]
    planned = plan(servers, hooks)  # type: ignore[arg-type]
    first = [(action, hook.id if hook else None) for server, _, action, hook in planned if server.id == 1]
    second = [(action, hook.id if hook else None) for server, _, action, hook in planned if server.id == 2]
    assert first == [(1, None), (None, 12), (2, None), (None, 10), (3, None), (4, None)]
    assert second == [(1, None), (2, None), (None, 11), (None, 10), (3, None), (4, None)]
    assert [seq for server, seq, _, _ in planned if server.id == 1] == [1, 2, 3, 4, 5, 6]


def test_the_health_check_asks_the_server_itself() -> None:
    body = ops.render_health(f"http://app.test/health?x={EVIL}", 5).body
    assert "\ntouch /tmp/pwned" not in body and '--resolve "$resolve"' in body
    assert ops.health_resolve("https://app.example.com/up") == "app.example.com:443:127.0.0.1"
    assert ops.health_resolve("http://[::1]:8080/up") == "[::1]:8080:127.0.0.1"


def test_migration_listings_are_read_per_release() -> None:
    output = "SHIPYARD_MIGRATION target aa 2026_a.php\nSHIPYARD_MIGRATION live bb 2026_a.php\nnoise\n"
    assert ops.read_migrations(output) == {"target": {"2026_a.php": "aa"}, "live": {"2026_a.php": "bb"}}


def test_plan_checks_health_after_activation_and_its_hooks() -> None:
    hooks = [_Hook(10, 3, "after", 1, []), _Hook(11, 4, "before", 1, [])]
    planned = plan([_Server(1)], hooks, health=True)  # type: ignore[arg-type]
    assert [(action, hook.id if hook else None) for _, _, action, hook in planned] == [
        (1, None), (2, None), (3, None), (None, 10), (5, None), (None, 11), (4, None)
    ]  # fmt: skip
