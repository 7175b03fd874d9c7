"""forgejo and gitea: API v1 at `<url>/api/v1`, `Authorization: token <token>`. It follows GitHub's
REST API (`github.py`); only what differs is here."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from shipyard.ci.forges.adapter import CommitStatus, HttpForge, RemoteRepo
from shipyard.ci.forges.github import EVENTS, STATES, GitHubForge
from shipyard.ci.status import Status


class GiteaForge(GitHubForge):
    page_size_key = "limit"
    commit_path = "/git/commits/{ref}"

    @property
    def api_url(self) -> str:
        return self.forge.url.rstrip("/") + "/api/v1"

    def headers(self) -> dict[str, str]:
        return {**HttpForge.headers(self), "Authorization": f"token {self._token()}"}

    def hook_body(self, hook_url: str, secret: str) -> dict[str, Any]:
        return {
            "type": "forgejo" if self.forge.type == "forgejo" else "gitea",
            "config": {"url": hook_url, "content_type": "json", "secret": secret},
            "events": EVENTS,
            "active": True,
        }

    def status_body(self, status: CommitStatus) -> dict[str, str]:
        return {
            "state": STATES.get(Status(status.state), "error"),
            "context": status.context,
            "description": status.description,
            "target_url": status.target_url,
        }

    def remote_repo(self, data: dict[str, Any]) -> RemoteRepo:
        owner: dict[str, Any] = data.get("owner") or {}
        remote = super().remote_repo(data)
        return replace(
            remote,
            owner=str(owner.get("login") or owner.get("username") or ""),
            visibility="internal" if data.get("internal") else ("private" if remote.private else "public"),
            avatar_url=str(data.get("avatar_url") or owner.get("avatar_url") or ""),
        )
