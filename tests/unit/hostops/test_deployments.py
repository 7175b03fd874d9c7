"""Git, deployment and command renderers: valid bash, provider URLs, hostile values refused, the
user's script only ever a file, and the push notifications the deployment URL understands."""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import replace

import pytest

from shipyard.core.script import HostResult, Script
from shipyard.hostops import deployments, git
from shipyard.hostops.deployments import DeploySpec, Trigger
from shipyard.hostops.git import Repository
from shipyard.hostops.nginx import default_template
from shipyard.hostops.sites import SiteSpec
from shipyard.sites.deployments.service import decode_payload, push_branch

SITE = SiteSpec(
    id=7,
    domain="app.example.com",
    aliases=(),
    wildcards=False,
    user="forge",
    isolated=False,
    directory="/public",
    project_type="php",
    php="8.2",
    template=default_template(),
    public_ip="203.0.113.5",
    private_ip="10.0.0.5",
)
REPO = Repository("git@github.com:acme/shop.git", "main")
HOSTILE_SCRIPT = "echo $(id) `uname` 'quoted' \"double\"; rm -rf /tmp/x\n"
DEPLOY = DeploySpec(SITE, 3, "main", HOSTILE_SCRIPT, True, Trigger(quick=False, manual=True))

SCRIPTS: dict[str, Callable[[], Script]] = {
    "install": lambda: git.render_install(SITE, REPO, composer=True),
    "install-no-composer": lambda: git.render_install(SITE, REPO, composer=False),
    "update": lambda: git.render_update(SITE, REPO),
    "remove": lambda: git.render_remove(SITE),
    "key-install": lambda: git.render_install_key(SITE, "PRIVATE", "ssh-ed25519 AAAA site-7"),
    "key-remove": lambda: git.render_remove_key(SITE),
    "deploy": lambda: deployments.render_deploy(DEPLOY),
    "deploy-html": lambda: deployments.render_deploy(
        replace(DEPLOY, site=replace(SITE, project_type="html"), auto_source=False)
    ),
    "command": lambda: deployments.render_command(SITE, HOSTILE_SCRIPT),
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


def test_the_users_script_and_command_travel_as_files() -> None:
    deploy = deployments.render_deploy(DEPLOY)
    assert deploy.files == {"deploy.sh": HOSTILE_SCRIPT} and HOSTILE_SCRIPT not in deploy.body
    assert not deploy.idempotent
    command = deployments.render_command(SITE, HOSTILE_SCRIPT)
    assert command.files == {"command.sh": HOSTILE_SCRIPT} and "$(id)" not in command.body
    assert "cd /home/forge/app.example.com" in command.body


def test_the_deployment_environment() -> None:
    body = deployments.render_deploy(DEPLOY).body
    for line in (
        'FORGE_SITE_PATH="$ROOT"',
        "FORGE_SITE_ID=7",
        "FORGE_SERVER_ID=3",
        "FORGE_QUICK_DEPLOY=0",
        "FORGE_MANUAL_DEPLOY=1",
        'FORGE_PHP_FPM="$FPM"',
        "FPM=php8.2-fpm",
        "SUDOERS=/etc/sudoers.d/shipyard-site-7",
    ):
        assert line in body
    assert "if [ -f .env ]; then . ./.env; fi" in body
    plain = deployments.render_deploy(replace(DEPLOY, auto_source=False)).body
    assert ". ./.env" not in plain


def test_the_default_script_is_forges_for_what_the_host_has() -> None:
    php = deployments.default_script("php")
    assert "git pull origin $FORGE_SITE_BRANCH" in php and "sudo -S service $FORGE_PHP_FPM reload" in php
    assert "$FORGE_PHP artisan migrate --force" in php and php.startswith("set -e\n")
    html = deployments.default_script("html")
    assert "FPM" not in html and "git pull" in html


def test_git_uses_the_sites_key() -> None:
    install = git.render_install(SITE, REPO, composer=False).body
    assert "KEY=/home/forge/.ssh/shipyard-site-7" in install
    assert "IdentitiesOnly=yes" in install and "git clone --branch" in install
    key = git.render_install_key(SITE, "PRIVATE", "ssh-ed25519 AAAA site-7")
    assert key.files["key"] == "PRIVATE" and "PRIVATE" not in key.body and key.secrets == ("PRIVATE",)


@pytest.mark.parametrize(
    ("provider", "repository", "url"),
    [
        ("github", "acme/shop", "git@github.com:acme/shop.git"),
        ("github", "acme/shop.git", "git@github.com:acme/shop.git"),
        ("gitlab", "group/sub/shop", "git@gitlab.com:group/sub/shop.git"),
        ("bitbucket", "acme/shop", "git@bitbucket.org:acme/shop.git"),
        ("custom", "/srv/git/app.git", "/srv/git/app.git"),
        ("custom", "file:///srv/git/app.git", "file:///srv/git/app.git"),
        ("custom", "git@git.example.com:acme/shop.git", "git@git.example.com:acme/shop.git"),
        (
            "gitlab-custom",
            "ssh://git@gitlab.example.com:2222/a/b.git",
            "ssh://git@gitlab.example.com:2222/a/b.git",
        ),
        ("custom", "https://git.example.com/a/b.git", "https://git.example.com/a/b.git"),
        ("github", "acme", None),
        ("github", "a/b/c", None),
        ("github", "../x", None),
        ("custom", "ext::sh -c id", None),
        ("custom", "-uhack", None),
        ("custom", "/srv/git/../../etc", None),
        ("custom", "x; touch /tmp/p", None),
        ("custom", "https://x.test/a b", None),
        ("svn", "acme/shop", None),
    ],
)
def test_clone_urls(provider: str, repository: str, url: str | None) -> None:
    assert git.clone_url(provider, repository) == url


@pytest.mark.parametrize("branch", ["main", "feature/x", "release-1.2", "v1.0+build"])
def test_branches_git_takes(branch: str) -> None:
    assert git.BRANCH.match(branch)


@pytest.mark.parametrize(
    "branch", ["-x", "--orphan", "a..b", "a.lock", "x;y", "a/", ".a", "a@{1}", "a b", "a\n"]
)
def test_branches_refused(branch: str) -> None:
    assert not git.BRANCH.match(branch)
    with pytest.raises(ValueError):
        Repository("/srv/git/app.git", branch)


def test_commit_urls() -> None:
    commit = "a" * 40
    assert git.commit_url("github", "acme/shop", commit) == f"https://github.com/acme/shop/commit/{commit}"
    assert git.commit_url("gitlab", "a/b", commit) == f"https://gitlab.com/a/b/-/commit/{commit}"
    assert git.commit_url("bitbucket", "a/b", commit) == f"https://bitbucket.org/a/b/commits/{commit}"
    assert git.commit_url("custom", "/srv/git/app.git", commit) is None


def test_the_deployed_commit_is_read_from_the_result() -> None:
    def encoded(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    result = HostResult(
        "h",
        0,
        "",
        {
            "commit_hash": "b" * 40,
            "commit_author": encoded("Ada"),
            "commit_message": encoded("Fix\n\nBody\n"),
        },
    )
    commit = deployments.deployed_commit(result)
    assert commit is not None and (commit.hash, commit.author, commit.message) == (
        "b" * 40,
        "Ada",
        "Fix\n\nBody",
    )
    assert deployments.deployed_commit(HostResult("h", 1, "", {"commit_hash": ""})) is None
    assert deployments.script_output("a\nSHIPYARD_RESULT {}\nb") == "a\nb"


def test_push_notifications() -> None:
    github = {"X-GitHub-Event": "push"}
    assert push_branch(github, {"ref": "refs/heads/main"}) == (True, "main")
    assert push_branch(github, {"ref": "refs/tags/v1"}) == (True, None)
    assert push_branch(github, {"ref": "refs/heads/main", "deleted": True}) == (True, None)
    assert push_branch({"X-GitHub-Event": "ping"}, {"zen": "x"}) == (True, None)
    assert push_branch({"X-Gitlab-Event": "Push Hook"}, {"ref": "refs/heads/dev"}) == (True, "dev")
    assert push_branch({"X-Forgejo-Event": "push"}, {"ref": "refs/heads/a/b"}) == (True, "a/b")
    bitbucket = {"push": {"changes": [{"new": {"type": "branch", "name": "main"}}]}}
    assert push_branch({"X-Event-Key": "repo:push"}, bitbucket) == (True, "main")
    assert push_branch({}, None) == (False, None)
    assert decode_payload({"payload": '{"ref": "refs/heads/main"}'}) == {"ref": "refs/heads/main"}


def test_hostile_specs_are_refused() -> None:
    with pytest.raises(ValueError):
        Repository("ext::sh -c id", "main")
    with pytest.raises(ValueError):
        replace(DEPLOY, branch="main; id")
