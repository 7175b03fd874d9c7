"""Akamai (Linode; Forge's `akamai`): Linode instances through API v4; the key goes in `authorized_keys`."""

from __future__ import annotations

import ipaddress
import secrets
from typing import Any

from pydantic import BaseModel

from shipyard.providers.base import Driver, JsonApi, Machine, MachineSpec

IMAGES = {"20.04": "linode/ubuntu20.04", "22.04": "linode/ubuntu22.04", "24.04": "linode/ubuntu24.04"}
# Linode hands out private IPv4 addresses from this range; every other address is public.
PRIVATE_RANGE = ipaddress.ip_network("192.168.128.0/17")


class _Linode(BaseModel):
    id: int
    ipv4: list[ipaddress.IPv4Address] = []


def _reason(body: Any) -> str | None:
    """Linode's errors are `{"errors": [{"reason": "...", "field": "..."}]}`."""
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return None
    reasons = [
        (f"{error['field']}: " if error.get("field") else "") + str(error.get("reason", ""))
        for error in body["errors"]
        if isinstance(error, dict)
    ]
    return "; ".join(reasons) or None


def _machine(linode: _Linode) -> Machine:
    private = [str(ip) for ip in linode.ipv4 if ip in PRIVATE_RANGE]
    public = [str(ip) for ip in linode.ipv4 if ip not in PRIVATE_RANGE]
    return Machine(str(linode.id), public[0] if public else None, private[0] if private else None)


class Linode(Driver):
    label = "Akamai (Linode)"

    def __init__(self, base_url: str, api_token: str) -> None:
        self.api = JsonApi(self.label, base_url, api_token, _reason)

    async def create_machine(self, spec: MachineSpec) -> Machine:
        data = await self.api.call(
            "POST",
            "/v4/linode/instances",
            json={
                "label": spec.name,
                "region": spec.region,
                "type": spec.size,
                "image": IMAGES[spec.ubuntu_version],
                "authorized_keys": [spec.public_key],
                # Required with an image; never used (root logs in with the key) and not kept.
                "root_pass": secrets.token_urlsafe(32) + "-Aa1",
                "tags": ["shipyard"],
                "booted": True,
            },
        )
        return _machine(self.api.parse(_Linode, data))

    async def describe_machine(self, machine_id: str) -> Machine | None:
        data = await self.api.call("GET", f"/v4/linode/instances/{machine_id}", missing_ok=True)
        return None if data is None else _machine(self.api.parse(_Linode, data))

    async def delete_machine(self, machine_id: str) -> None:
        await self.api.call("DELETE", f"/v4/linode/instances/{machine_id}", missing_ok=True)
