"""forgejo and gitea: API v1 at `<url>/api/v1`, `Authorization: token <token>`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from shipyard.ci.forges.adapter import (
    CommitInfo,
    CommitStatus,
    ForgeError,
    HttpForge,
    PullRequest,
    RemotePerm,
    RemoteRepo,
    decode_content,
    files_of,
)
from shipyard.ci.forges.hooks import iso_time
from shipyard.ci.repos.models import Repo
from shipyard.ci.status import Status

# Shipyard status -> commit status state (pending, success, error, failure, warning).
STATES = {
    Status.PENDING: "pending",
    Status.RUNNING: "pending",
    Status.BLOCKED: "pending",
    Status.CREATED: "pending",
    Status.SUCCESS: "success",
    Status.SKIPPED: "success",
    Status.FAILURE: "failure",
    Status.KILLED: "failure",
    Status.CANCELED: "error",
    Status.DECLINED: "error",
    Status.ERROR: "error",
}
EVENTS = ["push", "create", "pull_request", "release"]


class GiteaForge(HttpForge):
    @property
    def api_url(self) -> str:
        return self.forge.url.rstrip("/") + "/api/v1"

    def headers(self) -> dict[str, str]:
        return {**super().headers(), "Authorization": f"token {self._token()}"}

    @staticmethod
    def _path(repo: Repo) -> str:
        return f"/repos/{quote(repo.owner, safe='')}/{quote(repo.name, safe='')}"

    async def lookup(self, remote_id: str) -> RemoteRepo:
        if remote_id.isdigit():
            data = await self.request("GET", f"/repositories/{remote_id}")
        else:
            owner, _, name = remote_id.rpartition("/")
            data = await self.request("GET", f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}")
        if not isinstance(data, dict) or "id" not in data:
            raise ForgeError(f"the {self.forge.type} API sent no repository for {remote_id}")
        owner_obj: dict[str, Any] = data.get("owner") or {}
        perms: dict[str, Any] = data.get("permissions") or {}
        private = bool(data.get("private"))
        return RemoteRepo(
            remote_id=str(data["id"]),
            owner=str(owner_obj.get("login") or owner_obj.get("username") or ""),
            name=str(data.get("name") or ""),
            clone_url=str(data.get("clone_url") or ""),
            clone_url_ssh=str(data.get("ssh_url") or ""),
            forge_url=str(data.get("html_url") or ""),
            default_branch=str(data.get("default_branch") or "main"),
            private=private,
            visibility="internal" if data.get("internal") else ("private" if private else "public"),
            avatar_url=str(data.get("avatar_url") or owner_obj.get("avatar_url") or ""),
            perm=RemotePerm(bool(perms.get("pull")), bool(perms.get("push")), bool(perms.get("admin"))),
        )

    async def activate(self, repo: Repo, hook_url: str, secret: str) -> None:
        await self.request(
            "POST",
            f"{self._path(repo)}/hooks",
            body={
                "type": "forgejo" if self.forge.type == "forgejo" else "gitea",
                "config": {"url": hook_url, "content_type": "json", "secret": secret},
                "events": EVENTS,
                "active": True,
            },
        )

    async def commit(self, repo: Repo, ref: str) -> CommitInfo:
        data = await self.request("GET", f"{self._path(repo)}/git/commits/{quote(ref, safe='')}")
        commit: dict[str, Any] = (data or {}).get("commit") or {}
        author: dict[str, Any] = commit.get("author") or {}
        user: dict[str, Any] = (data or {}).get("author") or {}
        return CommitInfo(
            sha=str((data or {}).get("sha") or ""),
            message=str(commit.get("message") or "").strip(),
            author=str(author.get("name") or ""),
            email=str(author.get("email") or ""),
            timestamp=iso_time(author.get("date")),
            avatar=str(user.get("avatar_url") or ""),
        )

    async def changed_files(self, repo: Repo, before: str, after: str, pull: int) -> list[str]:
        if not pull:
            return []
        files = await self.pages(f"{self._path(repo)}/pulls/{pull}/files", {}, "limit")
        return sorted({str(f.get("filename")) for f in files if isinstance(f, dict)})

    async def branches(self, repo: Repo) -> list[str]:
        rows = await self.pages(f"{self._path(repo)}/branches", {}, "limit")
        return sorted(str(b["name"]) for b in rows if isinstance(b, dict) and "name" in b)

    async def pull_requests(self, repo: Repo) -> list[PullRequest]:
        rows = await self.pages(f"{self._path(repo)}/pulls", {"state": "open"}, "limit")
        return [
            PullRequest(str(p.get("number")), str(p.get("title") or "")) for p in rows if isinstance(p, dict)
        ]

    async def report_status(self, repo: Repo, sha: str, status: CommitStatus) -> None:
        await self.request(
            "POST",
            f"{self._path(repo)}/statuses/{sha}",
            body={
                "state": STATES.get(Status(status.state), "error"),
                "context": status.context,
                "description": status.description,
                "target_url": status.target_url,
            },
        )

    async def list_dir(self, repo: Repo, sha: str, path: str) -> list[str]:
        entries = await self.request(
            "GET", f"{self._path(repo)}/contents/{quote(path)}", params={"ref": sha}, missing_ok=True
        )
        return files_of(entries, "file")

    async def read_file(self, repo: Repo, sha: str, path: str) -> str | None:
        document = await self.request(
            "GET", f"{self._path(repo)}/contents/{quote(path)}", params={"ref": sha}, missing_ok=True
        )
        return decode_content(document, path)
