"""Hetzner Cloud: servers through API v1; the key is registered in the project."""

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

IMAGES = {"20.04": "ubuntu-20.04", "22.04": "ubuntu-22.04", "24.04": "ubuntu-24.04"}


class _SshKey(BaseModel):
    id: int


class _SshKeyList(BaseModel):
    ssh_keys: list[_SshKey]


class _SshKeyEnvelope(BaseModel):
    ssh_key: _SshKey


class _Ipv4(BaseModel):
    ip: str


class _PublicNet(BaseModel):
    ipv4: _Ipv4 | None = None


class _PrivateNet(BaseModel):
    ip: str


class _Server(BaseModel):
    id: int
    public_net: _PublicNet = _PublicNet()
    private_net: list[_PrivateNet] = []


class _ServerEnvelope(BaseModel):
    server: _Server


def _reason(body: Any) -> str | None:
    """Hetzner's errors are `{"error": {"code": "unauthorized", "message": "unable to authenticate"}}`."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not error.get("message"):
        return None
    return f"{error['message']} ({error['code']})" if error.get("code") else str(error["message"])


def _machine(server: _Server) -> Machine:
    public = server.public_net.ipv4.ip if server.public_net.ipv4 else None
    return Machine(str(server.id), public, server.private_net[0].ip if server.private_net else None)


class Hetzner(Driver):
    label = "Hetzner Cloud"

    def __init__(self, base_url: str, api_token: str) -> None:
        self.api = JsonApi(self.label, base_url, api_token, _reason)

    async def _find_key(self, fingerprint: str) -> int | None:
        data = await self.api.call("GET", "/v1/ssh_keys", params={"fingerprint": fingerprint})
        keys = self.api.parse(_SshKeyList, data).ssh_keys
        return keys[0].id if keys else None

    async def _ensure_key(self, public_key: str) -> int:
        """Shipyard's key id in the project, registering the key on first use."""
        fingerprint = md5_fingerprint(public_key)
        found = await self._find_key(fingerprint)
        if found is not None:
            return found
        try:
            data = await self.api.call(
                "POST",
                "/v1/ssh_keys",
                json={
                    "name": key_name(public_key),
                    "public_key": public_key,
                    "labels": {"managed-by": "shipyard"},
                },
            )
        except ProviderError:
            found = await self._find_key(fingerprint)  # registered meanwhile?
            if found is None:
                raise
            return found
        return self.api.parse(_SshKeyEnvelope, data).ssh_key.id

    async def create_machine(self, spec: MachineSpec) -> Machine:
        key_id = await self._ensure_key(spec.public_key)
        data = await self.api.call(
            "POST",
            "/v1/servers",
            json={
                "name": spec.name,
                "location": spec.region,
                "server_type": spec.size,
                "image": IMAGES[spec.ubuntu_version],
                "ssh_keys": [key_id],
                "labels": {"managed-by": "shipyard"},
                "start_after_create": True,
            },
        )
        return _machine(self.api.parse(_ServerEnvelope, data).server)

    async def describe_machine(self, machine_id: str) -> Machine | None:
        data = await self.api.call("GET", f"/v1/servers/{machine_id}", missing_ok=True)
        return None if data is None else _machine(self.api.parse(_ServerEnvelope, data).server)

    async def delete_machine(self, machine_id: str) -> None:
        await self.api.call("DELETE", f"/v1/servers/{machine_id}", missing_ok=True)
