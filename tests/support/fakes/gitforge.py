"""What the fake forges (forgejo, GitHub, GitLab) share: a uvicorn server in a thread, real bare git
repositories behind the API, the webhooks Shipyard registers, and the commit statuses it sends.

Each fake serves only the endpoints Shipyard calls, with the shapes of its forge's documented
responses; file contents, trees, commits, branches and pull request diffs come from the bare
repository with git. A "push" is a real `git push` to that repository, after which the test asks
the fake to deliver its forge's webhook (signed with the secret Shipyard registered, or not).
A private repository's clone URL is the fake's own smart-HTTP git endpoint (`git http-backend`),
which wants the login the real forge accepts for its token: agents clone with CI_NETRC_*.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.ci import GIT_ENV
from tests.support.postgres import free_port


@dataclass
class Pull:
    number: int
    title: str
    head: str
    base: str
    state: str = "open"


_hook_ids = itertools.count(1)


@dataclass
class Hook:
    url: str
    secret: str
    body: dict[str, Any]
    id: int = field(default_factory=lambda: next(_hook_ids))


@dataclass
class FakeRepo:
    id: int
    owner: str
    name: str
    bare: Path
    private: bool = True
    hooks: list[Hook] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    pulls: dict[int, Pull] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def git(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            ["git", *args],
            cwd=self.bare,
            env={"PATH": "/usr/bin:/bin", **GIT_ENV},
            capture_output=True,
            text=True,
            timeout=30,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"git {' '.join(args)}: {result.stderr}")
        return result.stdout if result.returncode == 0 else ""

    def sha(self, ref: str) -> str | None:
        out = self.git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False).strip()
        return out or None

    def commit(self, ref: str) -> dict[str, Any] | None:
        """sha, message, author name/email and ISO date of a commit, None if unknown."""
        sha = self.sha(ref)
        if sha is None:
            return None
        out = self.git("show", "-s", "--format=%H%x00%an%x00%ae%x00%aI%x00%B", sha)
        full, name, email, date, message = out.split("\0", 4)
        return {"sha": full, "name": name, "email": email, "date": date, "message": message.strip()}

    def file(self, sha: str, path: str) -> str | None:
        kind = self.git("cat-file", "-t", f"{sha}:{path}", check=False).strip()
        return self.git("show", f"{sha}:{path}") if kind == "blob" else None

    def tree(self, sha: str, path: str) -> list[tuple[str, str]] | None:
        """(name, blob|tree) of a folder; None if `path` is no folder at `sha`."""
        if self.git("cat-file", "-t", f"{sha}:{path}", check=False).strip() != "tree":
            return None
        out = self.git("ls-tree", f"{sha}:{path}")
        entries = []
        for line in out.splitlines():
            meta, name = line.split("\t", 1)
            entries.append((name, meta.split()[1]))
        return entries

    def branches(self) -> list[tuple[str, str]]:
        out = self.git("for-each-ref", "--format=%(refname:short) %(objectname)", "refs/heads/")
        return [tuple(line.split(" ", 1)) for line in out.splitlines()]  # type: ignore[misc]

    def pushed(self, before: str, after: str) -> list[dict[str, Any]]:
        """The commits of a push, oldest first, with their added/removed/modified files."""
        span = after if not before or set(before) == {"0"} else f"{before}..{after}"
        commits = []
        for sha in self.git("rev-list", "--reverse", span).split():
            info = self.commit(sha)
            assert info is not None
            changes: dict[str, list[str]] = {"added": [], "removed": [], "modified": []}
            for line in self.git("show", "--name-status", "--format=", sha).splitlines():
                status, _, path = line.partition("\t")
                key = {"A": "added", "D": "removed"}.get(status[:1], "modified")
                changes[key].append(path)
            commits.append({**info, **changes})
        return commits

    def diff(self, base: str, head: str) -> list[str]:
        return [f for f in self.git("diff", "--name-only", f"{base}...{head}").splitlines() if f]


class FakeGitForge:
    """A fake forge API; subclasses add `routes()` and their webhook shapes and headers."""

    pull_ref = "refs/pull/{number}/head"
    # The HTTP login git clones with, as the real forge takes its token (`{token}` is replaced).
    clone_login = ("{token}", "x-oauth-basic")

    def __init__(self, token: str) -> None:
        self.token = token
        self.repos: dict[int, FakeRepo] = {}
        self.calls: list[tuple[str, str]] = []
        self._ids = itertools.count(1001)
        self._lock = threading.Lock()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._uvicorn = uvicorn.Server(
            uvicorn.Config(
                Starlette(routes=[*self.routes(), *self.git_routes()]),
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                lifespan="off",
            )
        )
        self._thread = threading.Thread(target=self._uvicorn.run, daemon=True)

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def git_routes(self) -> list[Route]:
        return [Route("/git/{owner}/{name}.git/{rest:path}", self.git_http, methods=["GET", "POST"])]

    def clone_url(self, repo: FakeRepo) -> str:
        """Private repositories are cloned over HTTP with credentials, public ones from their path."""
        return f"{self.url}/git/{repo.full_name}.git" if repo.private else str(repo.bare)

    async def git_http(self, request: Request) -> Response:
        """Git's smart HTTP for a private repository, through `git http-backend` (CGI)."""
        self.record(request)
        login, password = (part.format(token=self.token) for part in self.clone_login)
        expected = "Basic " + base64.b64encode(f"{login}:{password}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return Response(
                "Authentication required\n", 401, headers={"WWW-Authenticate": 'Basic realm="git"'}
            )
        repo = self.repo_named(request.path_params["owner"], request.path_params["name"])
        if repo is None:
            return not_found()
        env = {
            "PATH": "/usr/bin:/bin",
            "GIT_PROJECT_ROOT": str(repo.bare.parent),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": f"/{repo.bare.name}/{request.path_params['rest']}",
            "REQUEST_METHOD": request.method,
            "QUERY_STRING": request.url.query,
            "CONTENT_TYPE": request.headers.get("content-type", ""),
            "HTTP_CONTENT_ENCODING": request.headers.get("content-encoding", ""),
            "HTTP_GIT_PROTOCOL": request.headers.get("git-protocol", ""),
            "REMOTE_USER": login,
            "REMOTE_ADDR": "127.0.0.1",
        }
        body = await request.body()
        done = await asyncio.to_thread(
            subprocess.run, ["git", "http-backend"], input=body, env=env, capture_output=True, timeout=60
        )
        head, _, content = done.stdout.partition(b"\r\n\r\n")
        status, headers = 200, {}
        for line in head.decode().split("\r\n"):
            key, _, value = line.partition(":")
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key:
                headers[key] = value.strip()
        return Response(content, status, headers=headers)

    def start(self) -> FakeGitForge:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._uvicorn.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{type(self).__name__} did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._uvicorn.should_exit = True
        self._thread.join(timeout=10)

    # The forge's side of things, driven by the tests.

    def add_repo(self, owner: str, name: str, bare: Path) -> FakeRepo:
        with self._lock:
            repo = FakeRepo(next(self._ids), owner, name, bare)
            self.repos[repo.id] = repo
        return repo

    def open_pull(self, repo: FakeRepo, head: str, base: str, title: str) -> Pull:
        """A pull request of branch `head` into `base`; its head is also `pull_ref` in the repository."""
        number = len(repo.pulls) + 1
        sha = repo.sha(f"refs/heads/{head}")
        assert sha is not None, f"no branch {head}"
        repo.git("update-ref", self.pull_ref.format(number=number), sha)
        pull = Pull(number, title, head, base)
        repo.pulls[number] = pull
        return pull

    def statuses(self, repo: FakeRepo, sha: str) -> list[dict[str, Any]]:
        return [s for s in repo.statuses if s["sha"] == sha]

    def deliver(
        self, repo: FakeRepo, event: str, payload: dict[str, Any], secret: str | None = None
    ) -> list[httpx.Response]:
        """POST the webhook to every hook the repository has, signed with its secret (or `secret`)."""
        assert repo.hooks, f"{repo.full_name} has no webhook"
        body = json.dumps(payload).encode()
        answers = []
        for hook in repo.hooks:
            headers = {
                "Content-Type": "application/json",
                **self.hook_headers(event, body, secret or hook.secret),
            }
            answers.append(httpx.post(hook.url, content=body, headers=headers, timeout=60))
        return answers

    def hook_headers(self, event: str, body: bytes, secret: str) -> dict[str, str]:
        raise NotImplementedError

    def push_payload(self, repo: FakeRepo, ref: str, before: str, after: str) -> dict[str, Any]:
        """The forge's push webhook body for `before`..`after` on `ref`."""
        raise NotImplementedError

    def pull_payload(self, repo: FakeRepo, pull: Pull, action: str) -> dict[str, Any]:
        """The forge's pull (merge) request webhook body."""
        raise NotImplementedError

    # Helpers for routes.

    def record(self, request: Request) -> None:
        with self._lock:
            self.calls.append((request.method, request.url.path))

    def repo_named(self, owner: str, name: str) -> FakeRepo | None:
        return next((r for r in self.repos.values() if r.owner == owner and r.name == name), None)


def hmac_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def paged(request: Request, rows: list[Any], size_key: str, default_size: int) -> JSONResponse:
    """`rows` cut to the page the query asks for (`page` from 1, page size under `size_key`)."""
    page, size = (
        int(request.query_params.get("page", 1)),
        int(request.query_params.get(size_key, default_size)),
    )
    return JSONResponse(rows[(page - 1) * size : page * size])


def not_found(message: str = "Not Found") -> JSONResponse:
    return JSONResponse({"message": message}, 404)
