"""GitHub: REST v3 at `https://api.github.com` (or `<url>/api/v3` for GitHub Enterprise Server),
`Authorization: Bearer <token>`. Forgejo and Gitea follow the same API with a few differences
(`gitea.py`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

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

PUBLIC_API = "https://api.github.com"
# Shipyard status -> commit status state (error, failure, pending, success).
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


class GitHubForge(HttpForge):
    # What differs between GitHub and the forges that copy its API.
    page_size_key = "per_page"
    commit_path = "/commits/{ref}"

    @property
    def api_url(self) -> str:
        url = self.forge.url.rstrip("/")
        if not url or urlsplit(url).hostname in ("github.com", "www.github.com"):
            return PUBLIC_API
        return url + "/api/v3"

    def headers(self) -> dict[str, str]:
        return {
            **super().headers(),
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "Authorization": f"Bearer {self._token()}",
        }

    def hook_body(self, hook_url: str, secret: str) -> dict[str, Any]:
        """The create-webhook request."""
        return {
            "name": "web",
            "active": True,
            "events": EVENTS,
            "config": {
                "url": hook_url,
                "content_type": "json",
                "secret": secret,
                "insecure_ssl": "1" if self.forge.skip_verify else "0",
            },
        }

    def status_body(self, status: CommitStatus) -> dict[str, str]:
        """The create-commit-status request."""
        body = {
            "state": STATES.get(Status(status.state), "error"),
            "context": status.context,
            "description": status.description[:140],
        }
        if status.target_url:
            body["target_url"] = status.target_url
        return body

    def remote_repo(self, data: dict[str, Any]) -> RemoteRepo:
        """A repository document of the API."""
        owner: dict[str, Any] = data.get("owner") or {}
        perms: dict[str, Any] = data.get("permissions") or {}
        private = bool(data.get("private"))
        return RemoteRepo(
            remote_id=str(data["id"]),
            owner=str(owner.get("login") or ""),
            name=str(data.get("name") or ""),
            clone_url=str(data.get("clone_url") or ""),
            clone_url_ssh=str(data.get("ssh_url") or ""),
            forge_url=str(data.get("html_url") or ""),
            default_branch=str(data.get("default_branch") or "main"),
            private=private,
            visibility=str(data.get("visibility") or ("private" if private else "public")),
            avatar_url=str(owner.get("avatar_url") or ""),
            perm=RemotePerm(bool(perms.get("pull")), bool(perms.get("push")), bool(perms.get("admin"))),
        )

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
        return self.remote_repo(data)

    async def activate(self, repo: Repo, hook_url: str, secret: str) -> None:
        await self.deactivate(repo, hook_url.split("?", 1)[0])
        await self.request("POST", f"{self._path(repo)}/hooks", body=self.hook_body(hook_url, secret))

    async def deactivate(self, repo: Repo, hook_root: str) -> None:
        for hook in await self.pages(f"{self._path(repo)}/hooks", {}, self.page_size_key):
            url = str(((hook or {}).get("config") or {}).get("url") or "") if isinstance(hook, dict) else ""
            if url.startswith(hook_root):
                await self.request("DELETE", f"{self._path(repo)}/hooks/{hook['id']}", missing_ok=True)

    async def commit(self, repo: Repo, ref: str) -> CommitInfo:
        path = self.commit_path.format(ref=quote(ref, safe=""))
        data = await self.request("GET", f"{self._path(repo)}{path}")
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
        files = await self.pages(f"{self._path(repo)}/pulls/{pull}/files", {}, self.page_size_key)
        return sorted({str(f.get("filename")) for f in files if isinstance(f, dict)})

    async def branches(self, repo: Repo) -> list[str]:
        rows = await self.pages(f"{self._path(repo)}/branches", {}, self.page_size_key)
        return sorted(str(b["name"]) for b in rows if isinstance(b, dict) and "name" in b)

    async def pull_requests(self, repo: Repo) -> list[PullRequest]:
        rows = await self.pages(f"{self._path(repo)}/pulls", {"state": "open"}, self.page_size_key)
        return [
            PullRequest(str(p.get("number")), str(p.get("title") or "")) for p in rows if isinstance(p, dict)
        ]

    async def report_status(self, repo: Repo, sha: str, status: CommitStatus) -> None:
        await self.request("POST", f"{self._path(repo)}/statuses/{sha}", body=self.status_body(status))

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
