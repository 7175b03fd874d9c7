"""What Shipyard needs from a cloud provider: a machine with its key, the machine's address, its deletion.

A driver talks to one provider's HTTP API with one credential. Every failure it meets (the
provider refused, answered something unexpected, or could not be reached) is a ProviderError
whose message is fit for a server event: it names the provider and quotes the provider's own
reason, and never contains the credential.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)
KEY_NAME_PREFIX = "shipyard-"


class ProviderError(Exception):
    """The provider refused a request or could not be reached."""


class AddressTimeout(ProviderError):
    """The machine exists but got no public IPv4 address in time."""


@dataclass(frozen=True)
class MachineSpec:
    """What to create. `size` is the provider's own size slug; `public_key` logs in as root."""

    name: str
    region: str
    size: str
    ubuntu_version: str
    public_key: str
    disk_size: int | None = None


@dataclass(frozen=True)
class Machine:
    id: str
    public_ipv4: str | None = None
    private_ipv4: str | None = None


class Driver(ABC):
    """One provider's machines, through its API, with one credential."""

    label: ClassVar[str]

    @abstractmethod
    async def create_machine(self, spec: MachineSpec) -> Machine:
        """Create and boot the machine with `spec.public_key` as root's login; returns at once."""

    @abstractmethod
    async def describe_machine(self, machine_id: str) -> Machine | None:
        """The machine as the provider sees it now, or None when it no longer exists."""

    @abstractmethod
    async def delete_machine(self, machine_id: str) -> None:
        """Delete the machine; one that is already gone counts as deleted."""

    async def wait_for_address(self, machine_id: str, *, within: float, every: float) -> Machine:
        """Poll until the machine has a public IPv4 address; AddressTimeout after `within` seconds."""
        deadline = time.monotonic() + within
        while True:
            machine = await self.describe_machine(machine_id)
            if machine is None:
                raise ProviderError(f"{self.label} no longer has machine {machine_id}.")
            if machine.public_ipv4:
                return machine
            if time.monotonic() >= deadline:
                raise AddressTimeout(
                    f"{self.label} gave machine {machine_id} no public IPv4 address within {within:g}s."
                )
            await asyncio.sleep(every)

    def unsupported_version(self, version: str) -> ProviderError:
        return ProviderError(f"Shipyard has no {self.label} image for Ubuntu {version}.")


def sentence(text: str) -> str:
    """`text` ending in a full stop, so that a hint can follow it in an event."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def md5_fingerprint(public_key: str) -> str:
    """The MD5 fingerprint (aa:bb:...) by which DigitalOcean and Hetzner know an SSH key."""
    blob = base64.b64decode(public_key.split()[1])
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def key_name(public_key: str) -> str:
    """The name under which Shipyard registers its key at a provider: stable for one key."""
    return KEY_NAME_PREFIX + md5_fingerprint(public_key).replace(":", "")[:16]


class JsonApi:
    """A provider API that speaks JSON over HTTPS with a bearer token (all but AWS do)."""

    def __init__(
        self,
        label: str,
        base_url: str,
        token: str,
        reason: Callable[[Any], str | None],
        *,
        timeout: float = 30,
    ) -> None:
        self.label = label
        self.base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self._reason = reason
        self._timeout = timeout

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        missing_ok: bool = False,
    ) -> Any:
        """The decoded answer ({} when empty); None for a 404 when `missing_ok`."""
        try:
            async with httpx.AsyncClient(
                base_url=self.base_url, headers=self._headers, timeout=self._timeout
            ) as client:
                response = await client.request(method, path, json=json, params=params)
        except httpx.HTTPError as exc:
            why = str(exc) or type(exc).__name__
            raise ProviderError(sentence(f"Could not reach {self.label} at {self.base_url}: {why}")) from exc
        if response.status_code == 404 and missing_ok:
            return None
        body = _json_or_none(response)
        if response.is_error:
            reason = self._reason(body) if body is not None else None
            raise ProviderError(
                sentence(
                    f"{self.label} refused {method} {path} ({response.status_code} {response.reason_phrase})"
                    + (f": {reason}" if reason else "")
                )
            )
        if not response.content:
            return {}
        if body is None:
            raise ProviderError(f"{self.label} answered {method} {path} with something other than JSON.")
        return body

    def parse(self, model: type[M], data: Any) -> M:
        """Read an answer into `model`; an answer of another shape is a ProviderError."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ProviderError(
                f"{self.label} answered in an unexpected shape ({where}: {first['msg']})."
            ) from exc


def _json_or_none(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
