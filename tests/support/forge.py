"""Helpers for Forge API tests: waiting the way the Forge SDK waits, and reading server events."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.api import Account
from tests.support.hosts import Host

PROVISION_SECONDS = 900


def wait_until(check: Callable[[], Any], timeout: float, what: str, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def server_of(http: httpx.Client, server_id: int) -> dict[str, Any]:
    response = http.get(f"/api/v1/servers/{server_id}")
    assert response.status_code == 200, response.text
    server: dict[str, Any] = response.json()["server"]
    return server


def wait_provisioned(http: httpx.Client, server_id: int) -> dict[str, Any]:
    """Poll the GET like the Forge SDK's wait loop, until provisioning has ended either way."""
    return wait_until(
        lambda: (s := server_of(http, server_id))["status"] != "provisioning" and s,
        PROVISION_SECONDS,
        "provisioning to end",
        every=2,
    )  # type: ignore[no-any-return]


def wait_ready(http: httpx.Client, server_id: int) -> dict[str, Any]:
    """Wait for provisioning to end; unless the server is ready, fail with its newest event's output."""
    final = wait_provisioned(http, server_id)
    if final["is_ready"] is not True:
        newest = events(http, server_id)[0]
        output = http.get(f"/api/v1/servers/{server_id}/events/{newest['id']}").json()["output"]
        raise AssertionError(f"server {server_id}: {newest['description']} failed:\n{output[-3000:]}")
    return final


def events(http: httpx.Client, server_id: int) -> list[dict[str, Any]]:
    """Every event of the server, newest first, following the `Link` header's pages."""
    found: list[dict[str, Any]] = []
    response = http.get(f"/api/v1/servers/{server_id}/events", params={"limit": 50})
    while True:
        found += response.json()["events"]
        following = response.links.get("next", {}).get("url")
        if not following:
            return found
        response = http.get(following)


def output_of(http: httpx.Client, server_id: int, description: str) -> str:
    event = next(e for e in events(http, server_id) if e["description"] == description)
    output: str = http.get(f"/api/v1/servers/{server_id}/events/{event['id']}").json()["output"]
    return output


def wait_for_event(
    http: httpx.Client, server_id: int, description: str, timeout: float = 300
) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        return next(
            (
                e
                for e in events(http, server_id)
                if e["description"] == description and e["status"] != "running"
            ),
            None,
        )

    return wait_until(finished, timeout, f"event {description!r}")  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Provisioned:
    """A server provisioned through the API on a real host, and its owner."""

    owner: Account
    host: Host
    created: dict[str, Any]

    @property
    def server_id(self) -> int:
        server_id: int = self.created["server"]["id"]
        return server_id
