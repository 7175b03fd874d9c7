"""The `git` forge: repositories are clone URLs under the forge's `url`, read with the git CLI.

Shipyard keeps a bare mirror of each repository under `<data>/ci/git/<repo id>.git`, fetches it
when a push is reported, and reads config files, commit details, changed files and branches
from it. A push is reported with `POST /api/hook?access_token=<hook token>` (the post-receive
hook script from `GET /api/repos/{id}/hook` does this for a bare repository).
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from shipyard.ci.forges.adapter import (
    CommitInfo,
    CommitStatus,
    ForgeAdapter,
    ForgeError,
    PullRequest,
    RemotePerm,
    RemoteRepo,
)
from shipyard.ci.forges.models import Forge
from shipyard.ci.repos.models import Repo
from shipyard.core.settings import get_settings

GIT_TIMEOUT = 120
# Calls made while an API request waits (activation, repair) give up sooner.
PROBE_TIMEOUT = 10
ZERO_SHA = "0" * 40
# Each segment: letters, digits, `.`, `_`, `-`; no `..`, no leading `-` or `.`.
REMOTE_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}(?:/[A-Za-z0-9_][A-Za-z0-9._-]{0,99}){1,4}\Z")
SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?\Z")
REF = re.compile(r"^refs/(?:heads|tags)/[A-Za-z0-9._/+-]{1,200}\Z")
_locks: dict[int, asyncio.Lock] = {}


class GitError(ForgeError):
    """git failed; the message is git's own (stderr)."""


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"})
    return env


async def run_git(*args: str, cwd: Path | None = None, check: bool = True, limit: float = GIT_TIMEOUT) -> str:
    """Run git with remote helpers that execute commands (`ext::`) disabled; returns stdout."""
    process = await asyncio.create_subprocess_exec(
        "git",
        "-c",
        "protocol.ext.allow=never",
        *args,
        cwd=cwd,
        env=_git_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        stdin=asyncio.subprocess.DEVNULL,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), limit)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise GitError(f"git {args[0]} timed out after {limit:g}s") from None
    if check and process.returncode != 0:
        raise GitError(err.decode(errors="replace").strip() or f"git {args[0]} failed")
    return out.decode(errors="replace")


def clone_url(forge_url: str, remote_id: str) -> str:
    return forge_url.rstrip("/") + "/" + remote_id


def split_name(remote_id: str) -> tuple[str, str]:
    """`alice/app.git` -> (`alice`, `app`)."""
    path = remote_id.removesuffix(".git")
    owner, _, name = path.rpartition("/")
    return owner, name


def mirror_path(repo_id: int) -> Path:
    return get_settings().data / "ci" / "git" / f"{repo_id}.git"


async def fetch(repo_id: int, url: str) -> Path:
    """Bring the mirror up to date with every branch and tag of `url`."""
    path = mirror_path(repo_id)
    lock = _locks.setdefault(repo_id, asyncio.Lock())
    async with lock:
        if not (path / "HEAD").exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            await run_git("init", "--quiet", "--bare", str(path))
        await run_git(
            "fetch",
            "--quiet",
            "--prune",
            "--force",
            "--",
            url,
            "+refs/heads/*:refs/heads/*",
            "+refs/tags/*:refs/tags/*",
            cwd=path,
        )
    return path


async def resolve(path: Path, rev: str) -> str:
    """The commit sha of a branch, tag or sha in the mirror."""
    return (await run_git("rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}", cwd=path)).strip()


async def commit_info(path: Path, sha: str) -> CommitInfo:
    out = await run_git("show", "-s", "--format=%H%x00%an%x00%ae%x00%ct%x00%B", sha, "--", cwd=path)
    full, author, email, stamp, message = out.split("\0", 4)
    return CommitInfo(full.strip(), message.strip(), author, email, int(stamp or 0))


async def changed_files(path: Path, before: str, after: str) -> list[str]:
    """Files changed by a push; for a new branch, the files of its last commit."""
    if before and before != ZERO_SHA and SHA.match(before):
        out = await run_git("diff", "--name-only", before, after, "--", cwd=path, check=False)
    else:
        out = await run_git("show", "--name-only", "--format=", after, "--", cwd=path)
    return [line for line in out.splitlines() if line]


async def branches(path: Path) -> list[str]:
    out = await run_git("for-each-ref", "--format=%(refname:short)", "refs/heads/", cwd=path)
    return sorted(out.split())


async def default_branch(url: str) -> str:
    """The branch HEAD points at on the remote (`main` for an empty repository); GitError if git
    cannot read the remote."""
    out = await run_git("ls-remote", "--symref", "--", url, "HEAD", limit=PROBE_TIMEOUT)
    match = re.search(r"^ref: refs/heads/(\S+)\s+HEAD", out, re.MULTILINE)
    return match.group(1) if match else "main"


async def _read(path: Path, sha: str, name: str) -> str:
    return await run_git("show", f"{sha}:{name}", cwd=path)


async def _tree(path: Path, sha: str, folder: str) -> list[str]:
    out = await run_git("ls-tree", "--name-only", f"{sha}:{folder.rstrip('/')}", cwd=path, check=False)
    return sorted(n for n in out.splitlines() if n.endswith((".yaml", ".yml")))


class GitForge(ForgeAdapter):
    """A `git` forge: the repository `alice/app.git` is `<forge url>/alice/app.git`, read through a
    local mirror; pushes come from Shipyard's post-receive hook, and there are no pull requests
    and nowhere to show commit statuses."""

    reports_statuses = False

    def __init__(self, forge: Forge) -> None:
        super().__init__(forge)
        self._fetched: set[int] = set()

    async def _mirror(self, repo: Repo) -> Path:
        if repo.id not in self._fetched:
            await fetch(repo.id, repo.clone_url)
            self._fetched.add(repo.id)
        return mirror_path(repo.id)

    async def lookup(self, remote_id: str) -> RemoteRepo:
        url = clone_url(self.forge.url, remote_id)
        owner, name = split_name(remote_id)
        return RemoteRepo(
            remote_id=remote_id,
            owner=owner,
            name=name,
            clone_url=url,
            forge_url=url,
            default_branch=await default_branch(url),
            private=True,
            perm=RemotePerm(pull=True, push=True, admin=True),
        )

    async def activate(self, repo: Repo, hook_url: str, secret: str) -> None:
        """Nothing to register: the bare repository reports pushes with the hook script."""

    async def deactivate(self, repo: Repo, hook_root: str) -> None:
        """Nothing to remove: the hook script is the repository owner's (and its token is refused
        once the repository is no longer active)."""

    async def commit(self, repo: Repo, ref: str) -> CommitInfo:
        mirror = await self._mirror(repo)
        return await commit_info(mirror, await resolve(mirror, ref))

    async def changed_files(self, repo: Repo, before: str, after: str, pull: int) -> list[str]:
        return await changed_files(await self._mirror(repo), before, after)

    async def branches(self, repo: Repo) -> list[str]:
        return await branches(await self._mirror(repo))

    async def pull_requests(self, repo: Repo) -> list[PullRequest]:
        return []

    async def report_status(self, repo: Repo, sha: str, status: CommitStatus) -> None:
        """A bare repository has nowhere to show a status."""

    async def list_dir(self, repo: Repo, sha: str, path: str) -> list[str]:
        return await _tree(await self._mirror(repo), sha, path)

    async def read_file(self, repo: Repo, sha: str, path: str) -> str | None:
        try:
            return await _read(await self._mirror(repo), sha, path)
        except GitError:
            return None
