"""DigitalOcean (Forge's `ocean2`): droplets through API v2; the key is registered on the account."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from shipyard.providers.base import (
    Driver,
    JsonApi,
    Machine,
    MachineSpec,
    ProviderError,
    key_name,
    md5_fingerprint,
)

IMAGES = {"20.04": "ubuntu-20-04-x64", "22.04": "ubuntu-22-04-x64", "24.04": "ubuntu-24-04-x64"}


class _Address(BaseModel):
    ip_address: str
    type: str


class _Networks(BaseModel):
    v4: list[_Address] = []


class _Droplet(BaseModel):
    id: int
    networks: _Networks = _Networks()


class _DropletEnvelope(BaseModel):
    droplet: _Droplet


def _reason(body: Any) -> str | None:
    """DigitalOcean's errors are `{"id": "unauthorized", "message": "Unable to authenticate you"}`."""
    return str(body["message"]) if isinstance(body, dict) and body.get("message") else None


def _machine(droplet: _Droplet) -> Machine:
    by_type = {address.type: address.ip_address for address in reversed(droplet.networks.v4)}
    return Machine(str(droplet.id), by_type.get("public"), by_type.get("private"))


class DigitalOcean(Driver):
    label = "DigitalOcean"

    def __init__(self, base_url: str, api_token: str) -> None:
        self.api = JsonApi(self.label, base_url, api_token, _reason)

    async def _ensure_key(self, public_key: str) -> str:
        """Register Shipyard's key on the account once; droplets name it by fingerprint."""
        fingerprint = md5_fingerprint(public_key)
        path = f"/v2/account/keys/{fingerprint}"
        if await self.api.call("GET", path, missing_ok=True) is not None:
            return fingerprint
        try:
            await self.api.call(
                "POST", "/v2/account/keys", json={"name": key_name(public_key), "public_key": public_key}
            )
        except ProviderError:
            if await self.api.call("GET", path, missing_ok=True) is None:  # not registered meanwhile
                raise
        return fingerprint

    async def create_machine(self, spec: MachineSpec) -> Machine:
        fingerprint = await self._ensure_key(spec.public_key)
        data = await self.api.call(
            "POST",
            "/v2/droplets",
            json={
                "name": spec.name,
                "region": spec.region,
                "size": spec.size,
                "image": IMAGES[spec.ubuntu_version],
                "ssh_keys": [fingerprint],
                "tags": ["shipyard"],
            },
        )
        return _machine(self.api.parse(_DropletEnvelope, data).droplet)

    async def describe_machine(self, machine_id: str) -> Machine | None:
        data = await self.api.call("GET", f"/v2/droplets/{machine_id}", missing_ok=True)
        return None if data is None else _machine(self.api.parse(_DropletEnvelope, data).droplet)

    async def delete_machine(self, machine_id: str) -> None:
        await self.api.call("DELETE", f"/v2/droplets/{machine_id}", missing_ok=True)
