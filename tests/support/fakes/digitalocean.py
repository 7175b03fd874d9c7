"""A fake DigitalOcean API v2: account SSH keys and droplets."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.fakes.base import FakeCloud, FakeMachine
from tests.support.hosts import GATEWAY, HostPool

IMAGES = {"ubuntu-20-04-x64", "ubuntu-22-04-x64", "ubuntu-24-04-x64"}


def fingerprint(public_key: str) -> str:
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, 32, 2))


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"id": code, "message": message}, status_code=status)


class FakeDigitalOcean(FakeCloud):
    machine_path = "/v2/droplets/{id}"

    def __init__(self, hosts: HostPool, token: str) -> None:
        self.token = token
        self.keys: dict[int, dict[str, Any]] = {}
        super().__init__(hosts)

    def routes(self) -> list[Route]:
        return [
            Route("/v2/account/keys", self.create_key, methods=["POST"]),
            Route("/v2/account/keys/{key}", self.get_key, methods=["GET"]),
            Route("/v2/droplets", self.create_droplet, methods=["POST"]),
            Route(self.machine_path, self.droplet, methods=["GET", "DELETE"]),
        ]

    async def _authorized(self, request: Request) -> JSONResponse | None:
        await self.record(request)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return error(401, "unauthorized", "Unable to authenticate you")
        return None

    def _key(self, ref: Any) -> dict[str, Any] | None:
        return next((k for k in self.keys.values() if ref in (k["id"], str(k["id"]), k["fingerprint"])), None)

    async def get_key(self, request: Request) -> Response:
        if refused := await self._authorized(request):
            return refused
        key = self._key(request.path_params["key"])
        if key is None:
            return error(404, "not_found", "The resource you were accessing could not be found.")
        return JSONResponse({"ssh_key": key})

    async def create_key(self, request: Request) -> Response:
        if refused := await self._authorized(request):
            return refused
        body = self.calls[-1].body
        if not isinstance(body, dict) or not body.get("name") or not body.get("public_key"):
            return error(422, "unprocessable_entity", "Name and public key are required.")
        if self._key(fingerprint(body["public_key"])):
            return error(422, "unprocessable_entity", "SSH Key is already in use on your account")
        key_id = self.next_id()
        self.keys[key_id] = {
            "id": key_id,
            "fingerprint": fingerprint(body["public_key"]),
            "public_key": body["public_key"],
            "name": body["name"],
        }
        return JSONResponse({"ssh_key": self.keys[key_id]}, status_code=201)

    def _droplet(self, machine: FakeMachine) -> dict[str, Any]:
        v4 = []
        if machine.ip:
            v4 = [
                {"ip_address": machine.ip, "netmask": "255.255.255.0", "gateway": GATEWAY, "type": "public"}
            ]
        return {
            "id": int(machine.id),
            "name": machine.name,
            "status": "active" if machine.ip else "new",
            "region": {"slug": machine.request["region"]},
            "size_slug": machine.request["size"],
            "image": {"slug": machine.request["image"]},
            "networks": {"v4": v4, "v6": []},
            "tags": machine.request.get("tags", []),
        }

    async def create_droplet(self, request: Request) -> Response:
        if refused := await self._authorized(request):
            return refused
        body = self.calls[-1].body
        if not isinstance(body, dict) or not all(
            isinstance(body.get(f), str) for f in ("name", "region", "size")
        ):
            return error(422, "unprocessable_entity", "name, region and size are required.")
        if body.get("image") not in IMAGES:
            return error(422, "unprocessable_entity", "You specified an invalid image for Droplet creation.")
        keys = [self._key(ref) for ref in body.get("ssh_keys") or []]
        if not keys or None in keys:
            return error(422, "unprocessable_entity", "ssh_keys must name keys of this account.")
        machine = self.launch(str(self.next_id()), body["name"], keys[0]["public_key"], body)
        return JSONResponse({"droplet": self._droplet(machine), "links": {"actions": []}}, status_code=202)

    async def droplet(self, request: Request) -> Response:
        if refused := await self._authorized(request):
            return refused
        machine = self.live(request.path_params["id"])
        if machine is None:
            return error(404, "not_found", "The resource you were accessing could not be found.")
        if request.method == "GET":
            return JSONResponse({"droplet": self._droplet(machine)})
        if self.refuse_delete:
            return error(self.refuse_delete[0], "forbidden", self.refuse_delete[1])
        await self.remove(machine)
        return Response(status_code=204)
