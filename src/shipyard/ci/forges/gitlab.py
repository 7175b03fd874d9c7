"""GitLab: API v4 at `<url>/api/v4`, `PRIVATE-TOKEN: <token>`; a project is named by its numeric
id or its URL-encoded path."""

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

# Shipyard status -> commit status state (pending, running, success, failed, canceled).
STATES = {
    Status.PENDING: "pending",
    Status.BLOCKED: "pending",
    Status.CREATED: "pending",
    Status.RUNNING: "running",
    Status.SUCCESS: "success",
    Status.SKIPPED: "success",
    Status.FAILURE: "failed",
    Status.ERROR: "failed",
    Status.KILLED: "canceled",
    Status.CANCELED: "canceled",
    Status.DECLINED: "canceled",
}
# Access levels: 20 reporter (reads code), 30 developer (pushes), 40 maintainer (manages hooks).
REPORTER, DEVELOPER, MAINTAINER = 20, 30, 40


class GitLabForge(HttpForge):
    @property
    def api_url(self) -> str:
        return self.forge.url.rstrip("/") + "/api/v4"

    def headers(self) -> dict[str, str]:
        return {**super().headers(), "PRIVATE-TOKEN": self._token()}

    def clone_login(self, token: str) -> tuple[str, str]:
        return "oauth2", token

    @staticmethod
    def _path(repo: Repo) -> str:
        return f"/projects/{quote(repo.forge_remote_id, safe='')}"

    async def lookup(self, remote_id: str) -> RemoteRepo:
        data = await self.request("GET", f"/projects/{quote(remote_id, safe='')}")
        if not isinstance(data, dict) or "id" not in data:
            raise ForgeError(f"the GitLab API sent no project for {remote_id}")
        namespace: dict[str, Any] = data.get("namespace") or {}
        permissions: dict[str, Any] = data.get("permissions") or {}
        level = max(
            int((permissions.get(key) or {}).get("access_level") or 0)
            for key in ("project_access", "group_access")
        )
        visibility = str(data.get("visibility") or "private")
        path = str(data.get("path_with_namespace") or "")
        owner, _, name = path.rpartition("/")
        return RemoteRepo(
            remote_id=str(data["id"]),
            owner=owner or str(namespace.get("full_path") or ""),
            name=name or str(data.get("path") or ""),
            clone_url=str(data.get("http_url_to_repo") or ""),
            clone_url_ssh=str(data.get("ssh_url_to_repo") or ""),
            forge_url=str(data.get("web_url") or ""),
            default_branch=str(data.get("default_branch") or "main"),
            private=visibility != "public",
            visibility=visibility if visibility in ("public", "internal") else "private",
            avatar_url=str(data.get("avatar_url") or namespace.get("avatar_url") or ""),
            perm=RemotePerm(level >= REPORTER, level >= DEVELOPER, level >= MAINTAINER),
        )

    async def activate(self, repo: Repo, hook_url: str, secret: str) -> None:
        await self.deactivate(repo, hook_url.split("?", 1)[0])
        await self.request(
            "POST",
            f"{self._path(repo)}/hooks",
            body={
                "url": hook_url,
                "token": secret,
                "push_events": True,
                "tag_push_events": True,
                "merge_requests_events": True,
                "releases_events": True,
                "enable_ssl_verification": not self.forge.skip_verify,
            },
        )

    async def deactivate(self, repo: Repo, hook_root: str) -> None:
        for hook in await self.pages(f"{self._path(repo)}/hooks", {}, "per_page"):
            if isinstance(hook, dict) and str(hook.get("url") or "").startswith(hook_root):
                await self.request("DELETE", f"{self._path(repo)}/hooks/{hook['id']}", missing_ok=True)

    async def commit(self, repo: Repo, ref: str) -> CommitInfo:
        data = await self.request("GET", f"{self._path(repo)}/repository/commits/{quote(ref, safe='')}")
        data = data if isinstance(data, dict) else {}
        return CommitInfo(
            sha=str(data.get("id") or ""),
            message=str(data.get("message") or "").strip(),
            author=str(data.get("author_name") or ""),
            email=str(data.get("author_email") or ""),
            timestamp=iso_time(data.get("authored_date") or data.get("committed_date")),
        )

    async def changed_files(self, repo: Repo, before: str, after: str, pull: int) -> list[str]:
        if not pull:
            return []
        diffs = await self.pages(f"{self._path(repo)}/merge_requests/{pull}/diffs", {}, "per_page")
        files: set[str] = set()
        for diff in diffs:
            if isinstance(diff, dict):
                files.update(str(diff[k]) for k in ("old_path", "new_path") if diff.get(k))
        return sorted(files)

    async def branches(self, repo: Repo) -> list[str]:
        rows = await self.pages(f"{self._path(repo)}/repository/branches", {}, "per_page")
        return sorted(str(b["name"]) for b in rows if isinstance(b, dict) and "name" in b)

    async def pull_requests(self, repo: Repo) -> list[PullRequest]:
        rows = await self.pages(f"{self._path(repo)}/merge_requests", {"state": "opened"}, "per_page")
        return [
            PullRequest(str(m.get("iid")), str(m.get("title") or "")) for m in rows if isinstance(m, dict)
        ]

    async def report_status(self, repo: Repo, sha: str, status: CommitStatus) -> None:
        body = {
            "state": STATES.get(Status(status.state), "failed"),
            "name": status.context,
            "description": status.description,
        }
        if status.target_url:
            body["target_url"] = status.target_url
        await self.request("POST", f"{self._path(repo)}/statuses/{sha}", body=body)

    async def list_dir(self, repo: Repo, sha: str, path: str) -> list[str]:
        entries = await self.request(
            "GET",
            f"{self._path(repo)}/repository/tree",
            params={"path": path, "ref": sha, "per_page": 100},
            missing_ok=True,
        )
        return files_of(entries, "blob")

    async def read_file(self, repo: Repo, sha: str, path: str) -> str | None:
        document = await self.request(
            "GET",
            f"{self._path(repo)}/repository/files/{quote(path, safe='')}",
            params={"ref": sha},
            missing_ok=True,
        )
        return decode_content(document, path)
