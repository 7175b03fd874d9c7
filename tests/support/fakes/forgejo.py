"""A fake Forgejo API v1 (`/api/v1`, `Authorization: token ...`): repositories, hooks, commits,
contents, branches, pull requests and commit statuses, and Forgejo's webhooks (push, pull_request)
with their `X-Forgejo-*`/`X-Gitea-*` headers."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.fakes.gitforge import FakeGitForge, FakeRepo, Hook, Pull, hmac_hex, not_found, paged


class FakeForgejo(FakeGitForge):
    api = "/api/v1"
    auth_scheme = "token"
    commit_path = "/git/commits/{ref}"
    page_size = "limit"
    states: tuple[str, ...] = ("pending", "success", "error", "failure", "warning")
    hook_types: tuple[str, ...] = ("forgejo", "gitea")

    def routes(self) -> list[Route]:
        repo = self.api + "/repos/{owner}/{name}"
        return [
            Route(self.api + "/repositories/{id:int}", self.repo),
            Route(repo, self.repo),
            Route(repo + "/hooks", self.add_hook, methods=["POST"]),
            Route(repo + "/hooks", self.list_hooks, methods=["GET"]),
            Route(repo + "/hooks/{hook:int}", self.delete_hook, methods=["DELETE"]),
            Route(repo + self.commit_path, self.commit),
            Route(repo + "/contents/{path:path}", self.contents),
            Route(repo + "/branches", self.branches),
            Route(repo + "/pulls", self.pulls),
            Route(repo + "/pulls/{number:int}/files", self.pull_files),
            Route(repo + "/statuses/{sha}", self.add_status, methods=["POST"]),
        ]

    def unauthorized(self) -> Response:
        return JSONResponse({"message": "token is required", "url": self.url + "/api/swagger"}, 401)

    def hook_of(self, body: dict[str, Any]) -> Hook | None:
        """The hook a create-hook body asks for, None if the forge would refuse it."""
        config = body.get("config") or {}
        if (
            body.get("type") not in self.hook_types
            or not config.get("url")
            or config.get("content_type") != "json"
        ):
            return None
        return Hook(config["url"], config.get("secret", ""), body)

    def _check(self, request: Request) -> tuple[FakeRepo | None, Response | None]:
        self.record(request)
        if request.headers.get("authorization") != f"{self.auth_scheme} {self.token}":
            return None, self.unauthorized()
        params = request.path_params
        repo = (
            self.repos.get(params["id"])
            if "id" in params
            else self.repo_named(params["owner"], params["name"])
        )
        return repo, None if repo is not None else not_found()

    def _repo_json(self, repo: FakeRepo) -> dict[str, Any]:
        return {
            "id": repo.id,
            "owner": {"id": 1, "login": repo.owner, "avatar_url": f"{self.url}/avatars/{repo.owner}"},
            "name": repo.name,
            "full_name": repo.full_name,
            "private": repo.private,
            "internal": False,
            "html_url": f"{self.url}/{repo.full_name}",
            "clone_url": self.clone_url(repo),
            "ssh_url": f"git@127.0.0.1:{repo.full_name}.git",
            "default_branch": "main",
            "avatar_url": "",
            "permissions": {"admin": True, "push": True, "pull": True},
        }

    async def repo(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or not_found()
        return JSONResponse(self._repo_json(repo))

    async def add_hook(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or not_found()
        body = await request.json()
        hook = self.hook_of(body)
        if hook is None:
            return JSONResponse({"message": "Validation Failed"}, 422)
        repo.hooks.append(hook)
        return JSONResponse({"id": hook.id, "events": body.get("events"), "active": True}, 201)

    async def list_hooks(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or not_found()
        rows = [
            {
                "id": h.id,
                "type": h.body.get("type", "gitea"),
                "name": "web",
                "active": True,
                "events": h.body.get("events"),
                "config": {"url": h.url, "content_type": "json"},
            }
            for h in repo.hooks
        ]
        return paged(request, rows, self.page_size, 30)

    async def delete_hook(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or not_found()
        kept = [h for h in repo.hooks if h.id != request.path_params["hook"]]
        if len(kept) == len(repo.hooks):
            return not_found()
        repo.hooks[:] = kept
        return Response(status_code=204)

    async def commit(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or not_found()
        info = repo.commit(request.path_params["ref"])
        if info is None:
            return not_found("sha not found")
        author = {"name": info["name"], "email": info["email"], "date": info["date"]}
        return JSONResponse(
            {
                "sha": info["sha"],
                "url": f"{self.url}{self.api}/repos/{repo.full_name}/commits/{info['sha']}",
                "commit": {"message": info["message"] + "\n", "author": author, "committer": author},
                "author": {"login": repo.owner, "avatar_url": f"{self.url}/avatars/{repo.owner}"},
            }
        )

    async def contents(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or not_found()
        ref = request.query_params.get("ref") or "main"
        sha = repo.sha(ref)
        path = request.path_params["path"].strip("/")
        if sha is None:
            return not_found()
        entries = repo.tree(sha, path)
        if entries is not None:
            return JSONResponse(
                [
                    {"name": name, "path": f"{path}/{name}", "type": "file" if kind == "blob" else "dir"}
                    for name, kind in entries
                ]
            )
        text = repo.file(sha, path)
        if text is None:
            return not_found("GetContentsOrList")
        return JSONResponse(
            {
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "type": "file",
                "encoding": "base64",
                "content": base64.b64encode(text.encode()).decode(),
                "size": len(text.encode()),
            }
        )

    async def branches(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or not_found()
        rows = [{"name": n, "commit": {"id": s}} for n, s in repo.branches()]
        return paged(request, rows, self.page_size, 30)

    def _pull_json(self, repo: FakeRepo, pull: Pull) -> dict[str, Any]:
        head_sha = repo.sha(self.pull_ref.format(number=pull.number))
        base_sha = repo.sha(f"refs/heads/{pull.base}")
        ref = {"id": repo.id, "full_name": repo.full_name}
        return {
            "id": 5000 + pull.number,
            "number": pull.number,
            "title": pull.title,
            "state": pull.state,
            "user": {"login": repo.owner, "avatar_url": f"{self.url}/avatars/{repo.owner}"},
            "labels": [{"name": "ci"}],
            "milestone": None,
            "html_url": f"{self.url}/{repo.full_name}/pulls/{pull.number}",
            "head": {"ref": pull.head, "sha": head_sha, "repo": ref},
            "base": {"ref": pull.base, "sha": base_sha, "repo": ref},
            "merged": False,
        }

    async def pulls(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or not_found()
        state = request.query_params.get("state", "open")
        return JSONResponse(
            [self._pull_json(repo, p) for p in repo.pulls.values() if state in ("all", p.state)]
        )

    async def pull_files(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or not_found()
        pull = repo.pulls.get(request.path_params["number"])
        if pull is None:
            return not_found()
        files = repo.diff(f"refs/heads/{pull.base}", self.pull_ref.format(number=pull.number))
        return JSONResponse([{"filename": f, "status": "changed"} for f in files])

    async def add_status(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or not_found()
        body = await request.json()
        if body.get("state") not in self.states:
            return JSONResponse({"message": "invalid state"}, 422)
        repo.statuses.append({"sha": request.path_params["sha"], **body})
        return JSONResponse({"id": len(repo.statuses), **body}, 201)

    # Webhooks, shaped as Forgejo sends them.

    def hook_headers(self, event: str, body: bytes, secret: str) -> dict[str, str]:
        delivery, signature = str(uuid.uuid4()), hmac_hex(secret, body)
        return {
            "X-Forgejo-Delivery": delivery,
            "X-Forgejo-Event": event,
            "X-Forgejo-Signature": signature,
            "X-Gitea-Delivery": delivery,
            "X-Gitea-Event": event,
            "X-Gitea-Signature": signature,
            "X-GitHub-Event": event,
            "X-Gogs-Event": event,
        }

    def _sender(self, repo: FakeRepo) -> dict[str, Any]:
        return {
            "id": 1,
            "login": repo.owner,
            "username": repo.owner,
            "avatar_url": f"{self.url}/avatars/{repo.owner}",
        }

    def push_payload(self, repo: FakeRepo, ref: str, before: str, after: str) -> dict[str, Any]:
        commits = [
            {
                "id": c["sha"],
                "message": c["message"] + "\n",
                "url": f"{self.url}/{repo.full_name}/commit/{c['sha']}",
                "author": {"name": c["name"], "email": c["email"], "username": repo.owner},
                "committer": {"name": c["name"], "email": c["email"], "username": repo.owner},
                "timestamp": c["date"],
                "added": c["added"],
                "removed": c["removed"],
                "modified": c["modified"],
            }
            for c in repo.pushed(before, after)
        ]
        return {
            "ref": ref,
            "before": before,
            "after": after,
            "compare_url": f"{self.url}/{repo.full_name}/compare/{before}...{after}",
            "commits": commits,
            "total_commits": len(commits),
            "head_commit": commits[-1] if commits else None,
            "repository": self._repo_json(repo),
            "pusher": self._sender(repo),
            "sender": self._sender(repo),
        }

    def pull_payload(self, repo: FakeRepo, pull: Pull, action: str) -> dict[str, Any]:
        return {
            "action": action,
            "number": pull.number,
            "pull_request": self._pull_json(repo, pull),
            "repository": self._repo_json(repo),
            "sender": self._sender(repo),
        }
