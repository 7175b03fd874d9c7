"""A fake Hetzner Cloud API v1: project SSH keys and servers."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.fakes.base import FakeCloud, FakeMachine
from tests.support.fakes.digitalocean import fingerprint
from tests.support.hosts import HostPool

IMAGES = {"ubuntu-20.04", "ubuntu-22.04", "ubuntu-24.04"}
HOSTNAME = re.compile(
    r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\Z"
)


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message, "details": {}}}, status)


def action(command: str, resource_id: int) -> dict[str, Any]:
    return {
        "id": resource_id * 10,
        "command": command,
        "status": "running",
        "progress": 0,
        "resources": [{"id": resource_id, "type": "server"}],
        "error": None,
    }


class FakeHetzner(FakeCloud):
    machine_path = "/v1/servers/{id}"

    def __init__(self, hosts: HostPool, token: str) -> None:
        self.token = token
        self.keys: dict[int, dict[str, Any]] = {}
        super().__init__(hosts)

    def routes(self) -> list[Route]:
        return [
            Route("/v1/ssh_keys", self.ssh_keys, methods=["GET", "POST"]),
            Route("/v1/servers", self.create, methods=["POST"]),
            Route(self.machine_path, self.server, methods=["GET", "DELETE"]),
        ]

    async def _authorized(self, request: Request) -> JSONResponse | None:
        await self.record(request)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return error(401, "unauthorized", "unable to authenticate")
        return None

    async def ssh_keys(self, request: Request) -> Response:
        if refused := await self._authorized(request):
            return refused
        if request.method == "GET":
            wanted = request.query_params.get("fingerprint")
            keys = [k for k in self.keys.values() if wanted in (None, k["fingerprint"])]
            return JSONResponse(
                {"ssh_keys": keys, "meta": {"pagination": {"page": 1, "total_entries": len(keys)}}}
            )
        body = self.calls[-1].body
        if not isinstance(body, dict) or not body.get("name") or not body.get("public_key"):
            return error(422, "invalid_input", "invalid input in fields 'name', 'public_key'")
        if any(k["name"] == body["name"] for k in self.keys.values()):
            return error(409, "uniqueness_error", "SSH key with the same name already exists")
        key_id = self.next_id()
        self.keys[key_id] = {
            "id": key_id,
            "name": body["name"],
            "fingerprint": fingerprint(body["public_key"]),
            "public_key": body["public_key"],
            "labels": body.get("labels", {}),
            "created": "2026-01-01T00:00:00+00:00",
        }
        return JSONResponse({"ssh_key": self.keys[key_id]}, status_code=201)

    def _server(self, machine: FakeMachine) -> dict[str, Any]:
        return {
            "id": int(machine.id),
            "name": machine.name,
            "status": "running" if machine.ip else "initializing",
            "server_type": {"name": machine.request["server_type"]},
            "datacenter": {"location": {"name": machine.request["location"]}},
            "image": {"name": machine.request["image"]},
            "public_net": {
                "ipv4": {"ip": machine.ip, "blocked": False} if machine.ip else None,
                "ipv6": None,
                "floating_ips": [],
            },
            "private_net": [],
            "labels": machine.request.get("labels", {}),
        }

    async def create(self, request: Request) -> Response:
        if refused := await self._authorized(request):
            return refused
        body = self.calls[-1].body
        if not isinstance(body, dict) or not all(
            isinstance(body.get(f), str) for f in ("name", "server_type", "location")
        ):
            return error(422, "invalid_input", "invalid input in fields 'name', 'server_type', 'location'")
        if not HOSTNAME.match(body["name"]):
            return error(422, "invalid_input", "invalid input in field 'name'")
        if body.get("image") not in IMAGES:
            return error(422, "invalid_input", "invalid input in field 'image'")
        keys = [
            next((k for k in self.keys.values() if ref in (k["id"], k["name"])), None)
            for ref in body.get("ssh_keys") or []
        ]
        if not keys or None in keys:
            return error(422, "invalid_input", "invalid input in field 'ssh_keys'")
        machine = self.launch(str(self.next_id()), body["name"], keys[0]["public_key"], body)
        return JSONResponse(
            {
                "server": self._server(machine),
                "action": action("create_server", int(machine.id)),
                "next_actions": [action("start_server", int(machine.id))],
                "root_password": None,
            },
            status_code=201,
        )

    async def server(self, request: Request) -> Response:
        if refused := await self._authorized(request):
            return refused
        machine = self.live(request.path_params["id"])
        if machine is None:
            return error(404, "not_found", f"server with ID '{request.path_params['id']}' not found")
        if request.method == "GET":
            return JSONResponse({"server": self._server(machine)})
        if self.refuse_delete:
            return error(self.refuse_delete[0], "forbidden", self.refuse_delete[1])
        await self.remove(machine)
        return JSONResponse({"action": action("delete_server", int(machine.id))})
