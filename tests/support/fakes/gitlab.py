"""A fake GitLab API v4 (`/api/v4`, `PRIVATE-TOKEN`): projects (by id or URL-encoded path), hooks,
commits, repository files and trees, branches, merge requests and their diffs, commit statuses;
and GitLab's webhooks (`X-Gitlab-Event: Push Hook` / `Merge Request Hook`, `X-Gitlab-Token`)."""

from __future__ import annotations

import base64
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.fakes.gitforge import FakeGitForge, FakeRepo, Hook, Pull, paged

API = "/api/v4"
PROJECT = API + "/projects/{id:int}"
STATES = ("pending", "running", "success", "failed", "canceled", "skipped")


def _missing(what: str) -> JSONResponse:
    return JSONResponse({"message": f"404 {what} Not Found"}, 404)


class FakeGitLab(FakeGitForge):
    pull_ref = "refs/merge-requests/{number}/head"
    clone_login = ("oauth2", "{token}")

    def routes(self) -> list[Route]:
        return [
            Route(PROJECT + "/hooks", self.add_hook, methods=["POST"]),
            Route(PROJECT + "/hooks", self.list_hooks, methods=["GET"]),
            Route(PROJECT + "/hooks/{hook:int}", self.delete_hook, methods=["DELETE"]),
            Route(PROJECT + "/repository/commits/{ref}", self.commit),
            Route(PROJECT + "/repository/tree", self.tree),
            Route(PROJECT + "/repository/files/{path:path}", self.file),
            Route(PROJECT + "/repository/branches", self.branches),
            Route(PROJECT + "/merge_requests", self.merge_requests),
            Route(PROJECT + "/merge_requests/{iid:int}/diffs", self.diffs),
            Route(PROJECT + "/statuses/{sha}", self.add_status, methods=["POST"]),
            Route(PROJECT, self.project),
            # A project named by its URL-encoded path (the server sees it decoded).
            Route(API + "/projects/{path:path}", self.project),
        ]

    def _check(self, request: Request) -> tuple[FakeRepo | None, Response | None]:
        self.record(request)
        if request.headers.get("private-token") != self.token:
            return None, JSONResponse({"message": "401 Unauthorized"}, 401)
        params = request.path_params
        if "id" in params:
            repo = self.repos.get(params["id"])
        else:
            owner, _, name = params["path"].rpartition("/")
            repo = self.repo_named(owner, name)
        return repo, None if repo is not None else _missing("Project")

    def _project_json(self, repo: FakeRepo) -> dict[str, Any]:
        return {
            "id": repo.id,
            "name": repo.name,
            "path": repo.name,
            "path_with_namespace": repo.full_name,
            "namespace": {
                "id": 7,
                "name": repo.owner,
                "path": repo.owner,
                "kind": "user",
                "full_path": repo.owner,
            },
            "default_branch": "main",
            "visibility": "private" if repo.private else "public",
            "http_url_to_repo": self.clone_url(repo),
            "ssh_url_to_repo": f"git@127.0.0.1:{repo.full_name}.git",
            "web_url": f"{self.url}/{repo.full_name}",
            "avatar_url": None,
            "permissions": {
                "project_access": {"access_level": 50, "notification_level": 3},
                "group_access": None,
            },
        }

    async def project(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or _missing("Project")
        return JSONResponse(self._project_json(repo))

    async def add_hook(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or _missing("Project")
        body = await request.json()
        if not body.get("url"):
            return JSONResponse({"error": "url is missing"}, 400)
        hook = Hook(body["url"], body.get("token", ""), body)
        repo.hooks.append(hook)
        return JSONResponse({"id": hook.id, "url": body["url"], "project_id": repo.id}, 201)

    async def list_hooks(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or _missing("Project")
        rows = [{"id": h.id, "url": h.url, "project_id": repo.id, "push_events": True} for h in repo.hooks]
        return paged(request, rows, "per_page", 20)

    async def delete_hook(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or _missing("Project")
        kept = [h for h in repo.hooks if h.id != request.path_params["hook"]]
        if len(kept) == len(repo.hooks):
            return _missing("Hook")
        repo.hooks[:] = kept
        return Response(status_code=204)

    async def commit(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or _missing("Project")
        info = repo.commit(request.path_params["ref"])
        if info is None:
            return _missing("Commit")
        return JSONResponse(
            {
                "id": info["sha"],
                "short_id": info["sha"][:8],
                "title": info["message"].splitlines()[0],
                "message": info["message"] + "\n",
                "author_name": info["name"],
                "author_email": info["email"],
                "authored_date": info["date"],
                "committed_date": info["date"],
                "web_url": f"{self.url}/{repo.full_name}/-/commit/{info['sha']}",
            }
        )

    async def tree(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or _missing("Project")
        sha = repo.sha(request.query_params.get("ref") or "main")
        path = request.query_params.get("path", "").strip("/")
        entries = repo.tree(sha, path) if sha else None
        if entries is None:
            return _missing("Tree")
        return JSONResponse(
            [
                {"id": "0" * 40, "name": n, "type": kind, "path": f"{path}/{n}", "mode": "100644"}
                for n, kind in entries
            ]
        )

    async def file(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or _missing("Project")
        ref = request.query_params.get("ref")
        if not ref:
            return JSONResponse({"error": "ref is missing"}, 400)
        sha, path = repo.sha(ref), request.path_params["path"]
        text = repo.file(sha, path) if sha else None
        if text is None:
            return _missing("File")
        return JSONResponse(
            {
                "file_name": path.rsplit("/", 1)[-1],
                "file_path": path,
                "size": len(text.encode()),
                "encoding": "base64",
                "content": base64.b64encode(text.encode()).decode(),
                "ref": ref,
                "commit_id": sha,
            }
        )

    async def branches(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or _missing("Project")
        rows = [{"name": n, "commit": {"id": s}, "default": n == "main"} for n, s in repo.branches()]
        return paged(request, rows, "per_page", 20)

    def _mr_json(self, repo: FakeRepo, pull: Pull) -> dict[str, Any]:
        return {
            "id": 9000 + pull.number,
            "iid": pull.number,
            "project_id": repo.id,
            "title": pull.title,
            "state": "opened" if pull.state == "open" else pull.state,
            "source_branch": pull.head,
            "target_branch": pull.base,
            "sha": repo.sha(self.pull_ref.format(number=pull.number)),
            "web_url": f"{self.url}/{repo.full_name}/-/merge_requests/{pull.number}",
        }

    async def merge_requests(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or _missing("Project")
        state = request.query_params.get("state", "all")
        rows = [self._mr_json(repo, p) for p in repo.pulls.values()]
        return JSONResponse([r for r in rows if state in ("all", r["state"])])

    async def diffs(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or _missing("Project")
        pull = repo.pulls.get(request.path_params["iid"])
        if pull is None:
            return _missing("Merge Request")
        files = repo.diff(f"refs/heads/{pull.base}", self.pull_ref.format(number=pull.number))
        return JSONResponse([{"old_path": f, "new_path": f, "diff": ""} for f in files])

    async def add_status(self, request: Request) -> Response:
        repo, refused = self._check(request)
        if refused or repo is None:
            return refused or _missing("Project")
        body = await request.json()
        if body.get("state") not in STATES:
            return JSONResponse({"error": "state does not have a valid value"}, 400)
        repo.statuses.append(
            {"sha": request.path_params["sha"], "context": body.get("name", "default"), **body}
        )
        return JSONResponse(
            {"id": len(repo.statuses), "status": body["state"], "name": body.get("name")}, 201
        )

    # Webhooks, shaped as GitLab sends them.

    def hook_headers(self, event: str, body: bytes, secret: str) -> dict[str, str]:
        return {"X-Gitlab-Event": event, "X-Gitlab-Token": secret, "X-Gitlab-Event-UUID": str(uuid.uuid4())}

    def _project_hook(self, repo: FakeRepo) -> dict[str, Any]:
        return {
            "id": repo.id,
            "name": repo.name,
            "web_url": f"{self.url}/{repo.full_name}",
            "git_http_url": str(repo.bare),
            "namespace": repo.owner,
            "path_with_namespace": repo.full_name,
            "default_branch": "main",
        }

    def push_payload(self, repo: FakeRepo, ref: str, before: str, after: str) -> dict[str, Any]:
        commits = [
            {
                "id": c["sha"],
                "message": c["message"] + "\n",
                "title": c["message"].splitlines()[0],
                "timestamp": c["date"],
                "url": f"{self.url}/{repo.full_name}/-/commit/{c['sha']}",
                "author": {"name": c["name"], "email": c["email"]},
                "added": c["added"],
                "modified": c["modified"],
                "removed": c["removed"],
            }
            for c in repo.pushed(before, after)
        ]
        return {
            "object_kind": "push",
            "event_name": "push",
            "before": before,
            "after": after,
            "ref": ref,
            "checkout_sha": after,
            "user_id": 4,
            "user_name": repo.owner,
            "user_username": repo.owner,
            "user_email": f"{repo.owner}@example.test",
            "project_id": repo.id,
            "project": self._project_hook(repo),
            "commits": commits,
            "total_commits_count": len(commits),
        }

    def pull_payload(self, repo: FakeRepo, pull: Pull, action: str) -> dict[str, Any]:
        head = repo.commit(self.pull_ref.format(number=pull.number))
        assert head is not None
        return {
            "object_kind": "merge_request",
            "event_type": "merge_request",
            "user": {"id": 1, "name": repo.owner, "username": repo.owner, "avatar_url": None},
            "project": self._project_hook(repo),
            "object_attributes": {
                "id": 9000 + pull.number,
                "iid": pull.number,
                "title": pull.title,
                "source_branch": pull.head,
                "target_branch": pull.base,
                "source_project_id": repo.id,
                "target_project_id": repo.id,
                "state": "opened",
                "draft": False,
                "url": f"{self.url}/{repo.full_name}/-/merge_requests/{pull.number}",
                "last_commit": {
                    "id": head["sha"],
                    "message": head["message"] + "\n",
                    "title": head["message"].splitlines()[0],
                    "timestamp": head["date"],
                    "author": {"name": head["name"], "email": head["email"]},
                },
                "action": action,
            },
            "labels": [{"id": 206, "title": "ci"}],
        }
