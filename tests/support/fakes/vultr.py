"""A fake Vultr API v2: account SSH keys, the OS list and instances."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.fakes.base import FakeCloud, FakeMachine
from tests.support.hosts import HostPool

OS = [
    {"id": 387, "name": "Ubuntu 20.04 LTS x64", "arch": "x64", "family": "ubuntu"},
    {"id": 1743, "name": "Ubuntu 22.04 LTS x64", "arch": "x64", "family": "ubuntu"},
    {"id": 2136, "name": "Debian 12 x64 (bookworm)", "arch": "x64", "family": "debian"},
    {"id": 2284, "name": "Ubuntu 24.04 LTS x64", "arch": "x64", "family": "ubuntu"},
]
NO_ADDRESS = "0.0.0.0"


def error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status)


def page(name: str, items: list[Any], request: Request) -> JSONResponse:
    """Cursor paging as Vultr does it: `per_page`, and `meta.links.next` naming the next cursor."""
    per_page = int(request.query_params.get("per_page", 100))
    start = int(request.query_params.get("cursor") or 0)
    following = str(start + per_page) if start + per_page < len(items) else ""
    return JSONResponse(
        {
            name: items[start : start + per_page],
            "meta": {"total": len(items), "links": {"next": following, "prev": ""}},
        }
    )


class FakeVultr(FakeCloud):
    machine_path = "/v2/instances/{id}"

    def __init__(self, hosts: HostPool, token: str) -> None:
        self.token = token
        self.keys: dict[str, dict[str, Any]] = {}
        super().__init__(hosts)

    def routes(self) -> list[Route]:
        return [
            Route("/v2/ssh-keys", self.ssh_keys, methods=["GET", "POST"]),
            Route("/v2/os", self.os, methods=["GET"]),
            Route("/v2/instances", self.create, methods=["POST"]),
            Route(self.machine_path, self.instance, methods=["GET", "DELETE"]),
        ]

    async def _authorized(self, request: Request) -> JSONResponse | None:
        await self.record(request)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return error(401, "Invalid API token.")
        return None

    async def ssh_keys(self, request: Request) -> Response:
        if refused := await self._authorized(request):
            return refused
        if request.method == "GET":
            return page("ssh_keys", list(self.keys.values()), request)
        body = self.calls[-1].body
        if not isinstance(body, dict) or not body.get("name") or not body.get("ssh_key"):
            return error(400, "Invalid SSH key: name and ssh_key are required.")
        key = {"id": str(uuid.uuid4()), "date_created": "2026-01-01T00:00:00+00:00", **body}
        self.keys[key["id"]] = key
        return JSONResponse({"ssh_key": key}, status_code=201)

    async def os(self, request: Request) -> Response:
        if refused := await self._authorized(request):
            return refused
        return page("os", OS, request)

    def _instance(self, machine: FakeMachine) -> dict[str, Any]:
        return {
            "id": machine.id,
            "label": machine.name,
            "hostname": machine.request["hostname"],
            "os_id": machine.request["os_id"],
            "plan": machine.request["plan"],
            "region": machine.request["region"],
            "main_ip": machine.ip or NO_ADDRESS,
            "internal_ip": "",
            "status": "active" if machine.ip else "pending",
            "power_status": "running" if machine.ip else "stopped",
            "server_status": "ok" if machine.ip else "none",
            "tags": machine.request.get("tags", []),
        }

    async def create(self, request: Request) -> Response:
        if refused := await self._authorized(request):
            return refused
        body = self.calls[-1].body
        if not isinstance(body, dict) or not all(isinstance(body.get(f), str) for f in ("region", "plan")):
            return error(400, "Invalid instance: region and plan are required.")
        if body.get("os_id") not in {os["id"] for os in OS}:
            return error(400, "Invalid operating system.")
        keys = [self.keys.get(ref) for ref in body.get("sshkey_id") or []]
        if not keys or None in keys:
            return error(400, "Invalid SSH key id.")
        name = body.get("label") or body.get("hostname") or "vultr"
        machine = self.launch(str(uuid.uuid4()), name, keys[0]["ssh_key"], body)
        return JSONResponse({"instance": self._instance(machine)}, status_code=202)

    async def instance(self, request: Request) -> Response:
        if refused := await self._authorized(request):
            return refused
        machine = self.live(request.path_params["id"])
        if machine is None:
            return error(404, "Instance not found.")
        if request.method == "GET":
            return JSONResponse({"instance": self._instance(machine)})
        if self.refuse_delete:
            return error(*self.refuse_delete)
        await self.remove(machine)
        return Response(status_code=204)
