"""A fake Akamai (Linode) API v4: Linode instances with `authorized_keys`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.fakes.base import FakeCloud, FakeMachine
from tests.support.hosts import HostPool

IMAGES = {"linode/ubuntu20.04", "linode/ubuntu22.04", "linode/ubuntu24.04"}


def error(status: int, reason: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"errors": [{"reason": reason, **({"field": field} if field else {})}]}, status)


class FakeLinode(FakeCloud):
    machine_path = "/v4/linode/instances/{id}"

    def __init__(self, hosts: HostPool, token: str) -> None:
        self.token = token
        super().__init__(hosts)

    def routes(self) -> list[Route]:
        return [
            Route("/v4/linode/instances", self.create, methods=["POST"]),
            Route(self.machine_path, self.instance, methods=["GET", "DELETE"]),
        ]

    async def _authorized(self, request: Request) -> JSONResponse | None:
        await self.record(request)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return error(401, "Invalid Token")
        return None

    def _linode(self, machine: FakeMachine) -> dict[str, Any]:
        return {
            "id": int(machine.id),
            "label": machine.name,
            "status": "running" if machine.ip else "provisioning",
            "region": machine.request["region"],
            "type": machine.request["type"],
            "image": machine.request["image"],
            "ipv4": [machine.ip] if machine.ip else [],
            "tags": machine.request.get("tags", []),
        }

    async def create(self, request: Request) -> Response:
        if refused := await self._authorized(request):
            return refused
        body = self.calls[-1].body
        if not isinstance(body, dict):
            return error(400, "Request body must be JSON")
        for field in ("region", "type", "label"):
            if not isinstance(body.get(field), str):
                return error(400, f"{field} is required", field)
        if body.get("image") not in IMAGES:
            return error(400, "Not a valid image", "image")
        if len(body.get("root_pass") or "") < 11:
            return error(400, "root_pass is required and must be at least 11 characters", "root_pass")
        keys = body.get("authorized_keys")
        if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
            return error(400, "authorized_keys must be a list of public keys", "authorized_keys")
        machine = self.launch(str(self.next_id()), body["label"], keys[0], body)
        return JSONResponse(self._linode(machine))

    async def instance(self, request: Request) -> Response:
        if refused := await self._authorized(request):
            return refused
        machine = self.live(request.path_params["id"])
        if machine is None:
            return error(404, "Not found")
        if request.method == "GET":
            return JSONResponse(self._linode(machine))
        if self.refuse_delete:
            return error(*self.refuse_delete)
        await self.remove(machine)
        return JSONResponse({})
