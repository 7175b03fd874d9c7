"""A fake GitHub Enterprise Server REST API v3 (`/api/v3`, `Authorization: Bearer ...`): the same
endpoints as the Forgejo fake (Forgejo's API follows GitHub's shapes for them), GitHub's paths,
paging parameter, status states and hook body, and GitHub's webhooks (`X-GitHub-Event`,
`X-Hub-Signature-256`)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import JSONResponse, Response

from tests.support.fakes.forgejo import FakeForgejo
from tests.support.fakes.gitforge import FakeRepo, Hook, hmac_hex


class FakeGitHub(FakeForgejo):
    api = "/api/v3"
    auth_scheme = "Bearer"
    commit_path = "/commits/{ref}"
    page_size = "per_page"
    states = ("error", "failure", "pending", "success")

    def unauthorized(self) -> Response:
        return JSONResponse(
            {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}, 401
        )

    def hook_of(self, body: dict[str, Any]) -> Hook | None:
        config = body.get("config") or {}
        if body.get("name") != "web" or not config.get("url") or config.get("content_type") != "json":
            return None
        return Hook(config["url"], config.get("secret", ""), body)

    def hook_headers(self, event: str, body: bytes, secret: str) -> dict[str, str]:
        return {
            "User-Agent": "GitHub-Hookshot/fake",
            "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-GitHub-Event": event,
            "X-GitHub-Hook-ID": "1",
            "X-Hub-Signature-256": "sha256=" + hmac_hex(secret, body),
        }

    def push_payload(self, repo: FakeRepo, ref: str, before: str, after: str) -> dict[str, Any]:
        payload = super().push_payload(repo, ref, before, after)
        payload["compare"] = payload.pop("compare_url")
        payload["pusher"] = {"name": repo.owner, "email": f"{repo.owner}@example.test"}
        return payload
