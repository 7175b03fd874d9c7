"""Vultr (Forge's `vultr2`): instances through API v2; the key is registered on the account."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from shipyard.providers.base import Driver, JsonApi, Machine, MachineSpec, key_name

PAGE_SIZE = 500
UNASSIGNED = "0.0.0.0"  # Vultr's main_ip until the instance has an address


class _Links(BaseModel):
    next: str = ""


class _Meta(BaseModel):
    links: _Links = _Links()


class _SshKey(BaseModel):
    id: str
    ssh_key: str


class _SshKeyPage(BaseModel):
    ssh_keys: list[_SshKey]
    meta: _Meta = _Meta()


class _SshKeyEnvelope(BaseModel):
    ssh_key: _SshKey


class _Os(BaseModel):
    id: int
    name: str


class _OsPage(BaseModel):
    os: list[_Os]
    meta: _Meta = _Meta()


class _Instance(BaseModel):
    id: str
    main_ip: str = UNASSIGNED
    internal_ip: str = ""


class _InstanceEnvelope(BaseModel):
    instance: _Instance


Page = TypeVar("Page", _SshKeyPage, _OsPage)


def _reason(body: Any) -> str | None:
    """Vultr's errors are `{"error": "Invalid API token.", "status": 401}`."""
    return str(body["error"]) if isinstance(body, dict) and body.get("error") else None


def _machine(instance: _Instance) -> Machine:
    public = instance.main_ip if instance.main_ip not in ("", UNASSIGNED) else None
    return Machine(instance.id, public, instance.internal_ip or None)


class Vultr(Driver):
    label = "Vultr"

    def __init__(self, base_url: str, api_token: str) -> None:
        self.api = JsonApi(self.label, base_url, api_token, _reason)

    async def _pages(self, path: str, model: type[Page]) -> list[Page]:
        """Every page of a cursor-paged list."""
        pages: list[Page] = []
        cursor = ""
        while True:
            params: dict[str, Any] = {"per_page": PAGE_SIZE, **({"cursor": cursor} if cursor else {})}
            pages.append(self.api.parse(model, await self.api.call("GET", path, params=params)))
            cursor = pages[-1].meta.links.next
            if not cursor:
                return pages

    async def _ensure_key(self, public_key: str) -> str:
        """Shipyard's key id on the account, registering the key on first use."""
        wanted = public_key.split()[:2]
        for page in await self._pages("/v2/ssh-keys", _SshKeyPage):
            for key in page.ssh_keys:
                if key.ssh_key.split()[:2] == wanted:
                    return key.id
        data = await self.api.call(
            "POST", "/v2/ssh-keys", json={"name": key_name(public_key), "ssh_key": public_key}
        )
        return self.api.parse(_SshKeyEnvelope, data).ssh_key.id

    async def _os_id(self, version: str) -> int:
        wanted = f"Ubuntu {version} LTS x64"
        for page in await self._pages("/v2/os", _OsPage):
            for os in page.os:
                if os.name == wanted:
                    return os.id
        raise self.unsupported_version(version)

    async def create_machine(self, spec: MachineSpec) -> Machine:
        key_id = await self._ensure_key(spec.public_key)
        data = await self.api.call(
            "POST",
            "/v2/instances",
            json={
                "region": spec.region,
                "plan": spec.size,
                "os_id": await self._os_id(spec.ubuntu_version),
                "label": spec.name,
                "hostname": spec.name,
                "sshkey_id": [key_id],
                "tags": ["shipyard"],
            },
        )
        return _machine(self.api.parse(_InstanceEnvelope, data).instance)

    async def describe_machine(self, machine_id: str) -> Machine | None:
        data = await self.api.call("GET", f"/v2/instances/{machine_id}", missing_ok=True)
        return None if data is None else _machine(self.api.parse(_InstanceEnvelope, data).instance)

    async def delete_machine(self, machine_id: str) -> None:
        await self.api.call("DELETE", f"/v2/instances/{machine_id}", missing_ok=True)
