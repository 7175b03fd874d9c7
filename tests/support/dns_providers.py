"""Fake DNS provider APIs for DNS-01 orders, each a real HTTP server on loopback with just the
endpoints Shipyard calls, answering in the provider's own shapes (its error shape for a wrong
credential or an unknown zone):

- Cloudflare API v4: `GET /zones?name=`, `POST /zones/{id}/dns_records`, `DELETE .../{record}`;
- DigitalOcean API v2: `GET /v2/domains/{name}`, `POST /v2/domains/{name}/records`, `DELETE .../{id}`;
- Route 53: moto's server (`ListHostedZonesByName`, `ChangeResourceRecordSets`), in a process of
  its own.

The TXT records they hold are what the ACME responder (tests/support/acme.py) answers, so pebble
validates the challenges the way a CA does, by asking the DNS.
"""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

import botocore.session
import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.support.acme import Pebble
from tests.support.fakes.base import LoopbackApp
from tests.support.postgres import free_port


@dataclass
class TxtRecord:
    id: str
    zone: str
    name: str  # fully qualified, lower case, without the final dot
    value: str
    deleted: bool = False


class _Api:
    """A Starlette app on a loopback port, in a thread; the TXT records it holds."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.zones: dict[str, str] = {}  # zone name -> zone id
        self.records: list[TxtRecord] = []
        self.lock = threading.Lock()
        self.app = LoopbackApp(self.routes())
        self.port = self.app.port

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def start(self) -> None:
        self.app.start()

    def stop(self) -> None:
        self.app.stop()

    def authorized(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.token}"

    def add_zone(self, name: str) -> None:
        self.zones[name.lower()] = uuid.uuid4().hex

    def txt(self, name: str) -> list[str]:
        with self.lock:
            return [r.value for r in self.records if r.name == name and not r.deleted]

    def created(self, name: str) -> list[TxtRecord]:
        """Every record ever created at `name` (deleted ones too)."""
        with self.lock:
            return [r for r in self.records if r.name == name]


def _cloudflare_error(status: int, code: int, message: str) -> JSONResponse:
    body = {"success": False, "errors": [{"code": code, "message": message}], "messages": [], "result": None}
    return JSONResponse(body, status_code=status)


def _cloudflare_ok(result: Any) -> JSONResponse:
    return JSONResponse({"success": True, "errors": [], "messages": [], "result": result})


class FakeCloudflare(_Api):
    """Cloudflare API v4 under `/client/v4`, with one API token."""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/client/v4"

    def routes(self) -> list[Route]:
        return [
            Route("/client/v4/zones", self.list_zones, methods=["GET"]),
            Route("/client/v4/zones/{zone}/dns_records", self.create_record, methods=["POST"]),
            Route("/client/v4/zones/{zone}/dns_records/{record}", self.delete_record, methods=["DELETE"]),
        ]

    def _zone_name(self, zone_id: str) -> str | None:
        return next((name for name, known in self.zones.items() if known == zone_id), None)

    async def list_zones(self, request: Request) -> Response:
        if not self.authorized(request):
            return _cloudflare_error(403, 10000, "Authentication error")
        wanted = request.query_params.get("name", "").lower()
        zones = [
            {"id": zone_id, "name": name, "status": "active"}
            for name, zone_id in self.zones.items()
            if not wanted or name == wanted
        ]
        return _cloudflare_ok(zones)

    async def create_record(self, request: Request) -> Response:
        if not self.authorized(request):
            return _cloudflare_error(403, 10000, "Authentication error")
        zone = self._zone_name(request.path_params["zone"])
        if zone is None:
            return _cloudflare_error(
                404, 7003, "Could not route to /zones/..., perhaps your object identifier is invalid?"
            )
        body = await request.json()
        name = str(body.get("name", "")).rstrip(".").lower()
        if (
            body.get("type") != "TXT"
            or not body.get("content")
            or not (name == zone or name.endswith("." + zone))
        ):
            return _cloudflare_error(400, 9000, "DNS name is invalid.")
        record = TxtRecord(uuid.uuid4().hex, zone, name, str(body["content"]))
        with self.lock:
            self.records.append(record)
        return _cloudflare_ok(
            {"id": record.id, "type": "TXT", "name": name, "content": record.value, "ttl": body.get("ttl", 1)}
        )

    async def delete_record(self, request: Request) -> Response:
        if not self.authorized(request):
            return _cloudflare_error(403, 10000, "Authentication error")
        with self.lock:
            record = next(
                (r for r in self.records if r.id == request.path_params["record"] and not r.deleted), None
            )
            if record is None:
                return _cloudflare_error(404, 81044, "Record does not exist.")
            record.deleted = True
        return _cloudflare_ok({"id": record.id})


def _digitalocean_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"id": code, "message": message}, status_code=status)


class FakeDigitalOceanDns(_Api):
    """DigitalOcean API v2's domains and their records, with one API token."""

    def __init__(self, token: str) -> None:
        self._ids = itertools.count(3001)
        super().__init__(token)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def routes(self) -> list[Route]:
        return [
            Route("/v2/domains/{domain}", self.get_domain, methods=["GET"]),
            Route("/v2/domains/{domain}/records", self.create_record, methods=["POST"]),
            Route("/v2/domains/{domain}/records/{record:int}", self.delete_record, methods=["DELETE"]),
        ]

    def _unauthorized(self) -> Response:
        return _digitalocean_error(401, "unauthorized", "Unable to authenticate you")

    def _not_found(self) -> Response:
        return _digitalocean_error(404, "not_found", "The resource you were accessing could not be found.")

    async def get_domain(self, request: Request) -> Response:
        if not self.authorized(request):
            return self._unauthorized()
        domain = request.path_params["domain"].lower()
        if domain not in self.zones:
            return self._not_found()
        return JSONResponse({"domain": {"name": domain, "ttl": 1800, "zone_file": ""}})

    async def create_record(self, request: Request) -> Response:
        if not self.authorized(request):
            return self._unauthorized()
        domain = request.path_params["domain"].lower()
        if domain not in self.zones:
            return self._not_found()
        body = await request.json()
        relative = str(body.get("name", ""))
        if body.get("type") != "TXT" or not body.get("data") or not relative or relative.endswith("."):
            return _digitalocean_error(422, "unprocessable_entity", "Name and data are required.")
        if int(body.get("ttl", 1800)) < 30:
            return _digitalocean_error(422, "unprocessable_entity", "TTL must be at least 30.")
        name = domain if relative == "@" else f"{relative.lower()}.{domain}"
        record = TxtRecord(str(next(self._ids)), domain, name, str(body["data"]))
        with self.lock:
            self.records.append(record)
        created = {
            "id": int(record.id),
            "type": "TXT",
            "name": relative,
            "data": record.value,
            "ttl": body.get("ttl"),
        }
        return JSONResponse({"domain_record": created}, status_code=201)

    async def delete_record(self, request: Request) -> Response:
        if not self.authorized(request):
            return self._unauthorized()
        with self.lock:
            record = next(
                (
                    r
                    for r in self.records
                    if r.zone == request.path_params["domain"].lower()
                    and r.id == str(request.path_params["record"])
                    and not r.deleted
                ),
                None,
            )
            if record is None:
                return self._not_found()
            record.deleted = True
        return Response(status_code=204)


class LocalRoute53:
    """moto's Route 53 server, in a process of its own (moto's state, and its authentication
    switch that tests/support/s3.py turns on, are process-wide). It checks no credentials: moto
    cannot verify the SigV4 signatures of Route 53's GET requests, so the refused-credential case
    is Cloudflare's and DigitalOcean's."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.access_key = "AKIA" + uuid.uuid4().hex[:16].upper()
        self.secret_key = uuid.uuid4().hex
        self.zones: dict[str, str] = {}  # zone name -> hosted zone id
        self.process: subprocess.Popen[bytes] | None = None
        self._lookups: Any = None  # the client the DNS responder asks (made once: making one is slow)

    def client(self) -> Any:
        return botocore.session.Session().create_client(
            "route53",
            region_name="us-east-1",
            endpoint_url=self.endpoint,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def start(self) -> None:
        if self.process is not None:
            return
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.endpoint}/moto-api/data.json", timeout=1).status_code == 200:
                    self._lookups = self.client()
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("moto's server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)

    def add_zone(self, name: str) -> None:
        created = self.client().create_hosted_zone(Name=name, CallerReference=uuid.uuid4().hex)
        self.zones[name.lower()] = created["HostedZone"]["Id"].removeprefix("/hostedzone/")

    def txt(self, name: str) -> list[str]:
        """The TXT values of `name` in the hosted zones made here."""
        zone = next((z for n, z in self.zones.items() if name == n or name.endswith("." + n)), None)
        if zone is None:
            return []
        listed = self._lookups.list_resource_record_sets(
            HostedZoneId=zone, StartRecordName=name, StartRecordType="TXT", MaxItems="1"
        )
        return [
            record["Value"].strip('"')
            for record_set in listed["ResourceRecordSets"]
            if record_set["Name"].rstrip(".").lower() == name and record_set["Type"] == "TXT"
            for record in record_set.get("ResourceRecords", [])
        ]


CLOUDFLARE_TOKEN = "cf-token-" + uuid.uuid4().hex
DIGITALOCEAN_TOKEN = "do-token-" + uuid.uuid4().hex


class DnsProviders:
    """The three fakes for one test session; the server's settings are known before they start."""

    def __init__(self, pebble: Pebble) -> None:
        self.pebble = pebble
        self.cloudflare = FakeCloudflare(CLOUDFLARE_TOKEN)
        self.digitalocean = FakeDigitalOceanDns(DIGITALOCEAN_TOKEN)
        self.route53 = LocalRoute53()

    def env(self) -> dict[str, str]:
        """What makes a Shipyard server call these APIs."""
        return {
            "SHIPYARD_CLOUDFLARE_URL": self.cloudflare.url,
            "SHIPYARD_DIGITALOCEAN_URL": self.digitalocean.url,
            "SHIPYARD_ROUTE53_URL": self.route53.endpoint,
        }

    def start(self) -> DnsProviders:
        self.pebble.start()
        for api in (self.cloudflare, self.digitalocean):
            api.start()
        self.route53.start()
        sources = self.pebble.resolver.txt_sources
        for source in (self.cloudflare.txt, self.digitalocean.txt, self.route53.txt):
            if source not in sources:
                sources.append(source)
        return self

    def stop(self) -> None:
        self.cloudflare.stop()
        self.digitalocean.stop()
        self.route53.stop()
