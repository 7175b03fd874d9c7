"""What the CI engine needs from a forge, as one interface with an implementation per forge type.

`git` (a clone URL, read with the git CLI) needs no service; forgejo/gitea, GitHub and GitLab are
reached over their HTTP APIs with the forge's token (its `oauth_client_secret`, stored encrypted).
Webhook parsing is pure and lives in `hooks.py`; this module is everything that talks to the forge.
"""

from __future__ import annotations

import base64
import posixpath
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from shipyard import __version__
from shipyard.ci.compiler.compiler import ConfigFile, Netrc
from shipyard.ci.forges.models import Forge
from shipyard.ci.repos.models import Repo

HTTP_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
# Lists (branches, pull requests, directory entries) are read at most this many pages deep.
MAX_PAGES = 10
PAGE_SIZE = 50
# Woodpecker's discovery order when the repository names no `config_file`.
DEFAULT_CONFIGS = (".woodpecker/", ".woodpecker.yaml", ".woodpecker.yml")


class ForgeError(Exception):
    """The forge could not be reached or refused; the message says which call and why."""


@dataclass(frozen=True)
class RemotePerm:
    pull: bool
    push: bool
    admin: bool


@dataclass(frozen=True)
class RemoteRepo:
    """A repository as its forge describes it."""

    remote_id: str
    owner: str
    name: str
    clone_url: str
    forge_url: str
    default_branch: str
    private: bool
    perm: RemotePerm
    clone_url_ssh: str = ""
    avatar_url: str = ""
    visibility: str = "private"

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    message: str
    author: str
    email: str
    timestamp: int
    avatar: str = ""


@dataclass(frozen=True)
class PullRequest:
    index: str
    title: str


@dataclass(frozen=True)
class CommitStatus:
    """One commit status: `state` is a Shipyard status (`pending`, `success`, ...), mapped per forge."""

    context: str
    state: str
    description: str
    target_url: str = ""


class ForgeAdapter(ABC):
    """One forge; built per use from the forge's row (`service.adapter(forge)`)."""

    # Whether the forge shows commit statuses (a `git` forge has nowhere to show them).
    reports_statuses = True

    def __init__(self, forge: Forge) -> None:
        self.forge = forge

    def netrc(self, repo: Repo) -> Netrc | None:
        """The credentials a clone of `repo` needs, None when it needs none."""
        return None

    @abstractmethod
    async def lookup(self, remote_id: str) -> RemoteRepo:
        """The repository `remote_id` (the forge's id, or `owner/name`) with the token's permissions."""

    @abstractmethod
    async def activate(self, repo: Repo, hook_url: str, secret: str) -> None:
        """Make the forge report the repository's events to `hook_url`, signed with `secret`
        (replacing the webhooks to the same place, so that it can be done again)."""

    @abstractmethod
    async def deactivate(self, repo: Repo, hook_root: str) -> None:
        """Remove the repository's webhooks whose URL starts with `hook_root`."""

    @abstractmethod
    async def commit(self, repo: Repo, ref: str) -> CommitInfo:
        """The commit a sha, branch or tag points at."""

    @abstractmethod
    async def changed_files(self, repo: Repo, before: str, after: str, pull: int) -> list[str]:
        """Files changed by a push (`before`..`after`) or by pull request `pull` (when > 0)."""

    @abstractmethod
    async def branches(self, repo: Repo) -> list[str]: ...

    @abstractmethod
    async def pull_requests(self, repo: Repo) -> list[PullRequest]:
        """The open pull (merge) requests."""

    @abstractmethod
    async def report_status(self, repo: Repo, sha: str, status: CommitStatus) -> None: ...

    @abstractmethod
    async def list_dir(self, repo: Repo, sha: str, path: str) -> list[str]:
        """The names of the files (not folders) in `path` at `sha`; empty when it is no folder."""

    @abstractmethod
    async def read_file(self, repo: Repo, sha: str, path: str) -> str | None:
        """The text of `path` at `sha`, None when there is no such file."""

    async def config_files(self, repo: Repo, sha: str, config_file: str) -> list[ConfigFile]:
        """Discovery: the repo's `config_file` (a trailing `/` = a folder), else `.woodpecker/*.y(a)ml`,
        else `.woodpecker.yaml`, else `.woodpecker.yml`. Empty when none exists."""
        for candidate in [config_file] if config_file else DEFAULT_CONFIGS:
            if candidate.endswith("/"):
                folder = candidate.rstrip("/")
                names = sorted(
                    n for n in await self.list_dir(repo, sha, folder) if n.endswith((".yaml", ".yml"))
                )
                files = []
                for name in names:
                    path = posixpath.join(folder, name)
                    text = await self.read_file(repo, sha, path)
                    if text is not None:
                        files.append(ConfigFile(path, text))
                if files:
                    return files
                continue
            text = await self.read_file(repo, sha, candidate)
            if text is not None:
                return [ConfigFile(candidate, text)]
        return []


class HttpForge(ForgeAdapter):
    """A forge with an HTTP API: a base URL, an auth header, JSON both ways."""

    @property
    @abstractmethod
    def api_url(self) -> str:
        """The API's root, without a trailing slash."""

    def headers(self) -> dict[str, str]:
        return {"User-Agent": f"Shipyard/{__version__}", "Accept": "application/json"}

    def clone_login(self, token: str) -> tuple[str, str]:
        """The HTTP login and password under which git fetches with the forge's token."""
        return token, "x-oauth-basic"

    def netrc(self, repo: Repo) -> Netrc | None:
        """The forge's token for the clone of an HTTP(S) clone URL (private repositories need it)."""
        parts = urlsplit(repo.clone_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or not self.forge.client_secret:
            return None
        login, password = self.clone_login(self.forge.client_secret)
        return Netrc(parts.hostname, login, password, tuple(repo.netrc_trusted))

    def _token(self) -> str:
        if not self.forge.client_secret:
            raise ForgeError(
                f"the {self.forge.type} forge {self.forge.id} has no token: set its oauth_client_secret "
                "to an access token of the forge"
            )
        return self.forge.client_secret

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        missing_ok: bool = False,
    ) -> Any:
        """JSON of `method path` under the API URL; None for a 404 when `missing_ok`."""
        url = self.api_url.rstrip("/") + path
        try:
            async with httpx.AsyncClient(
                timeout=HTTP_TIMEOUT, verify=not self.forge.skip_verify, follow_redirects=False
            ) as client:
                response = await client.request(method, url, params=params, json=body, headers=self.headers())
        except (
            httpx.HTTPError,
            httpx.InvalidURL,
            ValueError,
        ) as exc:  # ValueError: a token httpx cannot send
            raise ForgeError(f"{method} {url}: {exc!r}") from exc
        if missing_ok and response.status_code == 404:
            return None
        if not response.is_success:
            raise ForgeError(f"{method} {url} answered {response.status_code}: {response.text[:300]}")
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError as exc:
            raise ForgeError(f"{method} {url} answered no JSON") from exc

    async def pages(self, path: str, params: Mapping[str, str | int], size_key: str) -> list[Any]:
        """Every item of a paged list (`page` numbering from 1), up to MAX_PAGES pages."""
        items: list[Any] = []
        for page in range(1, MAX_PAGES + 1):
            batch = await self.request("GET", path, params={**params, size_key: PAGE_SIZE, "page": page})
            if not isinstance(batch, list):
                raise ForgeError(f"GET {path} did not answer a list")
            items.extend(batch)
            if len(batch) < PAGE_SIZE:
                break
        return items


def decode_content(document: Any, path: str) -> str | None:
    """The text of a contents-API answer (`{encoding: base64, content}`); None for anything else."""
    if not isinstance(document, dict) or document.get("type", "file") != "file":
        return None
    content = str(document.get("content") or "")
    if document.get("encoding") == "base64":
        try:
            return base64.b64decode(content).decode()
        except (ValueError, UnicodeDecodeError) as exc:
            raise ForgeError(f"{path}: the forge sent content that is not base64 UTF-8 text") from exc
    return content


def files_of(entries: Any, file_type: str, name_key: str = "name") -> list[str]:
    """The names of the file entries of a directory listing (a list of `{name, type}`)."""
    if not isinstance(entries, list):
        return []
    return [str(e[name_key]) for e in entries if isinstance(e, dict) and e.get("type") == file_type]
