"""DNS providers for ACME DNS-01 challenges: TXT records at `_acme-challenge.<name>` created
through the provider's API (Cloudflare API v4 with a bearer token, Route 53 signed with SigV4 by
botocore, DigitalOcean API v2), removed again once the CA has looked, and a look at a resolver
for whether a record is visible yet.

A driver finds the zone of a name by asking the provider for each parent domain of it, longest
first. Every failure (a refused credential, no zone for the name, an unreachable API) is a
ProviderError that names the provider and quotes its reason, never the credential.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, ClassVar, TypeVar

import botocore.session
import dns.asyncresolver
import dns.exception
import dns.rdtypes.ANY.TXT
import dns.resolver
from botocore.config import Config
from pydantic import BaseModel

from shipyard.providers.aws import AwsError, call_aws
from shipyard.providers.base import JsonApi, ProviderError

T = TypeVar("T")
TYPES = ("cloudflare", "route53", "digitalocean")
# What each type needs (Forge's field names).
CREDENTIALS = {
    "cloudflare": ("cloudflare_api_token",),
    "route53": ("route53_key", "route53_secret"),
    "digitalocean": ("digitalocean_token",),
}
TTL = 60
DIGITALOCEAN_TTL = 30  # the least DigitalOcean takes
ROUTE53_REGION = "us-east-1"  # Route 53 is global; SigV4 signs it for us-east-1


def zone_candidates(name: str) -> list[str]:
    """The zones `name` may be in, longest first (at least two labels)."""
    labels = name.rstrip(".").split(".")
    return [".".join(labels[index:]) for index in range(1, len(labels) - 1)]


class DnsDriver(ABC):
    """TXT records through one provider's API with one credential; it remembers what it added."""

    label: ClassVar[str]

    @abstractmethod
    async def publish(self, name: str, values: Sequence[str]) -> None:
        """Add TXT records with `values` at `name` (a fully qualified name without the final dot)."""

    @abstractmethod
    async def cleanup(self) -> None:
        """Remove every record `publish` added (one already gone counts as removed)."""

    def no_zone(self, name: str) -> ProviderError:
        tried = ", ".join(zone_candidates(name))
        return ProviderError(f"{self.label} has no zone for {name} (looked for {tried}).")


class _CloudflareZone(BaseModel):
    id: str
    name: str


class _CloudflareZones(BaseModel):
    result: list[_CloudflareZone]


class _CloudflareRecord(BaseModel):
    id: str


class _CloudflareCreated(BaseModel):
    result: _CloudflareRecord


def _cloudflare_reason(body: Any) -> str | None:
    """Cloudflare's errors are `{"success": false, "errors": [{"code": 10000, "message": "..."}]}`."""
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return None
    reasons = [
        f"{error.get('message', '')} ({error.get('code')})" if "code" in error else str(error.get("message"))
        for error in body["errors"]
        if isinstance(error, dict)
    ]
    return "; ".join(reasons) or None


class Cloudflare(DnsDriver):
    label = "Cloudflare"

    def __init__(self, base_url: str, api_token: str) -> None:
        self.api = JsonApi(self.label, base_url, api_token, _cloudflare_reason)
        self._added: list[tuple[str, str]] = []  # (zone id, record id)

    async def _zone(self, name: str) -> str:
        for candidate in zone_candidates(name):
            found = self.api.parse(
                _CloudflareZones, await self.api.call("GET", "/zones", params={"name": candidate})
            )
            for zone in found.result:
                if zone.name.lower() == candidate:
                    return zone.id
        raise self.no_zone(name)

    async def publish(self, name: str, values: Sequence[str]) -> None:
        zone = await self._zone(name)
        for value in values:
            created = await self.api.call(
                "POST",
                f"/zones/{zone}/dns_records",
                json={"type": "TXT", "name": name, "content": value, "ttl": TTL},
            )
            self._added.append((zone, self.api.parse(_CloudflareCreated, created).result.id))

    async def cleanup(self) -> None:
        while self._added:
            zone, record = self._added.pop()
            await self.api.call("DELETE", f"/zones/{zone}/dns_records/{record}", missing_ok=True)


class _DigitalOceanRecord(BaseModel):
    id: int


class _DigitalOceanCreated(BaseModel):
    domain_record: _DigitalOceanRecord


def _digitalocean_reason(body: Any) -> str | None:
    """DigitalOcean's errors are `{"id": "unauthorized", "message": "Unable to authenticate you"}`."""
    return str(body["message"]) if isinstance(body, dict) and body.get("message") else None


class DigitalOcean(DnsDriver):
    label = "DigitalOcean"

    def __init__(self, base_url: str, api_token: str) -> None:
        self.api = JsonApi(self.label, base_url, api_token, _digitalocean_reason)
        self._added: list[tuple[str, int]] = []  # (domain, record id)

    async def _zone(self, name: str) -> str:
        for candidate in zone_candidates(name):
            if await self.api.call("GET", f"/v2/domains/{candidate}", missing_ok=True) is not None:
                return candidate
        raise self.no_zone(name)

    async def publish(self, name: str, values: Sequence[str]) -> None:
        zone = await self._zone(name)
        relative = name[: -len(zone) - 1] if name != zone else "@"
        for value in values:
            created = await self.api.call(
                "POST",
                f"/v2/domains/{zone}/records",
                json={"type": "TXT", "name": relative, "data": value, "ttl": DIGITALOCEAN_TTL},
            )
            self._added.append((zone, self.api.parse(_DigitalOceanCreated, created).domain_record.id))

    async def cleanup(self) -> None:
        while self._added:
            zone, record = self._added.pop()
            await self.api.call("DELETE", f"/v2/domains/{zone}/records/{record}", missing_ok=True)


def _hosted_zones_by_name(name: str, client: Any) -> Any:
    return client.list_hosted_zones_by_name(DNSName=name, MaxItems="1")


class Route53(DnsDriver):
    """Route 53 through botocore (synchronous: each call runs in a thread). The values of one name
    are one record set, written with UPSERT and deleted with exactly those values."""

    label = "Route 53"

    def __init__(self, endpoint_url: str | None, key: str, secret: str) -> None:
        self.endpoint_url = endpoint_url
        self._key = key
        self._secret = secret
        self._added: list[tuple[str, dict[str, Any]]] = []  # (zone id, record set)

    def _client(self) -> Any:
        return botocore.session.Session().create_client(
            "route53",
            region_name=ROUTE53_REGION,
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self._key,
            aws_secret_access_key=self._secret,
            config=Config(
                retries={"mode": "standard", "total_max_attempts": 2}, connect_timeout=10, read_timeout=30
            ),
        )

    async def _call(self, operation: str, action: Callable[[Any], T]) -> T:
        where = f"Route 53 at {self.endpoint_url or 'route53.amazonaws.com'}"
        return await call_aws(lambda: action(self._client()), operation, who=self.label, where=where)

    async def _zone(self, name: str) -> str:
        for candidate in zone_candidates(name):
            listed: dict[str, Any] = await self._call(
                "ListHostedZonesByName", partial(_hosted_zones_by_name, candidate)
            )
            for zone in listed.get("HostedZones", []):
                private = zone.get("Config", {}).get("PrivateZone", False)
                if str(zone["Name"]).rstrip(".").lower() == candidate and not private:
                    return str(zone["Id"]).removeprefix("/hostedzone/")
        raise self.no_zone(name)

    async def _change(self, action: str, zone: str, record_set: dict[str, Any]) -> None:
        await self._call(
            "ChangeResourceRecordSets",
            lambda client: client.change_resource_record_sets(
                HostedZoneId=zone,
                ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": record_set}]},
            ),
        )

    async def publish(self, name: str, values: Sequence[str]) -> None:
        zone = await self._zone(name)
        record_set = {
            "Name": f"{name}.",
            "Type": "TXT",
            "TTL": TTL,
            "ResourceRecords": [{"Value": f'"{value}"'} for value in values],
        }
        await self._change("UPSERT", zone, record_set)
        self._added.append((zone, record_set))

    async def cleanup(self) -> None:
        while self._added:
            zone, record_set = self._added.pop()
            try:
                await self._change("DELETE", zone, record_set)
            except AwsError as exc:
                if exc.code != "InvalidChangeBatch":  # already gone
                    raise


def driver(
    kind: str,
    credentials: dict[str, str],
    *,
    cloudflare_url: str,
    route53_url: str | None,
    digitalocean_url: str,
) -> DnsDriver:
    """The driver of `kind` (one of TYPES) with its credentials (the fields CREDENTIALS names)."""
    if kind == "cloudflare":
        return Cloudflare(cloudflare_url, credentials["cloudflare_api_token"])
    if kind == "route53":
        return Route53(route53_url, credentials["route53_key"], credentials["route53_secret"])
    if kind == "digitalocean":
        return DigitalOcean(digitalocean_url, credentials["digitalocean_token"])
    raise ValueError(f"not a DNS provider: {kind!r}")


def _resolver(address: str | None) -> dns.asyncresolver.Resolver:
    if address is None:
        return dns.asyncresolver.Resolver()
    resolver = dns.asyncresolver.Resolver(configure=False)
    host, port = address, 53
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") else 53
    elif ":" in address:
        host, _, number = address.partition(":")
        port = int(number)
    resolver.nameservers = [host]
    resolver.port = port
    return resolver


async def txt_values(name: str, resolver: str | None) -> set[str]:
    """The TXT values `resolver` (None: the system's) has at `name` now (none: an empty set)."""
    try:
        answer = await _resolver(resolver).resolve(name, "TXT", lifetime=5, search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer, dns.resolver.NoNameservers, dns.exception.Timeout):
        return set()
    return {
        b"".join(rdata.strings).decode(errors="replace")
        for rdata in answer
        if isinstance(rdata, dns.rdtypes.ANY.TXT.TXT)
    }
