"""Renderers for a site's git repository and deploy key.

A site's repository is cloned into its root (`/home/<user>/<domain>`) as the site user; the
placeholder page goes with the directory it replaces (the site's `.env` is kept). Forge's hosted
providers map `user/repo` to their SSH clone URL (`git@github.com:user/repo.git`); `custom` and
`gitlab-custom` take any git URL the host can reach (ssh, git, http(s), file, scp-like
`user@host:path`, or an absolute path on the host). A site's deploy key is an ed25519 pair in
`/home/<user>/.ssh/shipyard-site-<id>` (private, 0600) and `.pub`; the repository's
`core.sshCommand` makes git use it for that site only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shipyard.core.script import Script
from shipyard.hostops.render import script
from shipyard.hostops.sites import (
    SITE_USER_COMMENT,
    SiteSpec,
    deploy_key_path,
    placeholder,
    sudoers_path,
)

PROVIDERS = ("github", "gitlab", "gitlab-custom", "bitbucket", "custom")
HOSTED = {"github": "github.com", "gitlab": "gitlab.com", "bitbucket": "bitbucket.org"}
# `owner/repo` (GitLab also takes sub-groups: `group/sub/repo`).
_PART = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}"
_HOSTED_PATH = {
    "github": re.compile(rf"^{_PART}/{_PART}\Z"),
    "bitbucket": re.compile(rf"^{_PART}/{_PART}\Z"),
    "gitlab": re.compile(rf"^{_PART}(?:/{_PART}){{1,5}}\Z"),
}
# Any git URL of the transports git runs no command for (never `ext::`), or an absolute path.
GIT_URL = re.compile(
    r"^(?:"
    r"(?:ssh|git|https?)://(?:[A-Za-z0-9._~%+:-]+@)?(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])"
    r"(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~%+@:-]*)*"
    r"|file:///[A-Za-z0-9._~/+@-]*"
    r"|[A-Za-z0-9_][A-Za-z0-9._-]{0,63}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252}):[A-Za-z0-9._~/+@-]{1,1024}"
    r"|/[A-Za-z0-9._~/+@-]{1,1024}"
    r")\Z"
)
# A branch git accepts (`git check-ref-format --branch`), without options or revision syntax.
BRANCH = re.compile(
    r"^(?![-./])(?!.*\.\.)(?!.*//)(?!.*/\.)(?!.*@\{)[A-Za-z0-9._/+-]{1,255}(?<![./])(?<!\.lock)\Z"
)
MAX_URL = 1024


def clone_url(provider: str, repository: str) -> str | None:
    """The URL git clones for Forge's `provider` and `repository`, or None when they do not fit."""
    if provider in HOSTED:
        path = repository.removesuffix(".git")
        if not _HOSTED_PATH[provider].match(path) or ".." in path:
            return None
        return f"git@{HOSTED[provider]}:{path}.git"
    if provider in PROVIDERS and len(repository) <= MAX_URL and GIT_URL.match(repository):
        if any(part in (".", "..") for part in repository.split("/")[1:]) and repository.startswith("/"):
            return None
        return repository
    return None


def commit_url(provider: str, repository: str, commit: str) -> str | None:
    """Where the provider shows `commit` (hosted providers only)."""
    if provider not in HOSTED or not re.fullmatch(r"[0-9a-f]{7,64}", commit):
        return None
    path = repository.removesuffix(".git")
    if provider == "github":
        return f"https://github.com/{path}/commit/{commit}"
    if provider == "gitlab":
        return f"https://gitlab.com/{path}/-/commit/{commit}"
    return f"https://bitbucket.org/{path}/commits/{commit}"


def ssh_command(user: str, site_id: int) -> str:
    """The `core.sshCommand` that makes git use the site's deploy key (and only it)."""
    return (
        f"ssh -i {deploy_key_path(user, site_id)} -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new"
    )


@dataclass(frozen=True)
class Repository:
    """A site's repository: the URL git clones and the branch it deploys."""

    url: str
    branch: str

    def __post_init__(self) -> None:
        # The service validated both; a renderer never trusts its input.
        if not GIT_URL.match(self.url) or len(self.url) > MAX_URL:
            raise ValueError(f"not a git URL: {self.url!r}")
        if not BRANCH.match(self.branch):
            raise ValueError(f"not a branch: {self.branch!r}")


def _git_script(
    name: str,
    template: str,
    site: SiteSpec,
    *,
    files: dict[str, str] | None = None,
    secrets: tuple[str, ...] = (),
    **context: Any,
) -> Script:
    return script(
        name,
        template,
        files=files,
        secrets=secrets,
        site=site,
        site_user_comment=SITE_USER_COMMENT,
        key=deploy_key_path(site.user, site.id),
        ssh_command=ssh_command(site.user, site.id),
        **context,
    )


def render_install(site: SiteSpec, repository: Repository, *, composer: bool) -> Script:
    """Clone the repository into the site root as the site user (with its deploy key when it has
    one), keeping the site's `.env`; with `composer`, `composer install` when there is a
    composer.json (Debian's composer is installed when missing). A root that already is a clone
    of the URL only checks out the branch."""
    return _git_script("git-install", "git_install.sh.j2", site, repository=repository, composer=composer)


def render_update(site: SiteSpec, repository: Repository) -> Script:
    """Point the site's clone at another URL and/or branch: `git remote set-url`, fetch, checkout."""
    return _git_script("git-update", "git_update.sh.j2", site, repository=repository)


def render_remove(site: SiteSpec) -> Script:
    """Take the repository out of the site: the root becomes an empty site with the placeholder
    page again (its `.env` stays), and the FPM reload rule of its deployments goes."""
    index_name, index = placeholder(site)
    return _git_script(
        "git-remove",
        "git_remove.sh.j2",
        site,
        files={"index": index},
        index_name=index_name,
        sudoers=sudoers_path(site.id),
    )


def render_install_key(site: SiteSpec, private_key: str, public_key: str) -> Script:
    """Install the site's deploy key for the site user; the site's clone (if any) uses it."""
    return _git_script(
        "deploy-key-install",
        "git_key_install.sh.j2",
        site,
        files={"key": private_key, "key.pub": public_key + "\n"},
        secrets=(private_key,),
    )


def render_remove_key(site: SiteSpec) -> Script:
    """Remove the site's deploy key; the site's clone goes back to the user's own SSH setup."""
    return _git_script("deploy-key-remove", "git_key_remove.sh.j2", site)
