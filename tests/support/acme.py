"""A real ACME CA for the tests: Debian's `pebble` on this machine, resolving names through a DNS
responder in this process that answers with the test host a test points a name at.

pebble validates HTTP-01 for real: it resolves the name here, connects to port 80 of the host's
address and fetches `/.well-known/acme-challenge/<token>` with the name as Host. It validates
DNS-01 against the same responder, which answers TXT queries with what the fake DNS provider APIs
(tests/support/dns_providers.py) were told to create; Shipyard asks it too
(`SHIPYARD_ACME_DNS_RESOLVER`) whether a record is visible yet. Its API and
management listeners serve TLS with a certificate made here (the Debian package ships none);
Shipyard trusts that CA through `SHIPYARD_ACME_CA_BUNDLE`. The CA pebble issues from is another,
made anew on every start: `issuing_root()` fetches it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from dnslib import QTYPE, RR, TXT, A, DNSRecord
from dnslib.server import DNSLogger, DNSServer

from tests.support.postgres import free_port

PEBBLE = "/usr/bin/pebble"


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _listener_tls(directory: Path) -> Path:
    """A CA and a certificate for 127.0.0.1 signed by it; returns the CA's file."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shipyard test pebble listeners")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    (directory / "ca.pem").write_bytes(_pem(ca))
    (directory / "cert.pem").write_bytes(_pem(cert))
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return directory / "ca.pem"


TxtSource = Callable[[str], list[str]]


class _Resolver:
    """Answers A queries for the names tests pointed at a host, and TXT queries from the TXT
    sources (the fake DNS providers); nothing else resolves."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.txt_sources: list[TxtSource] = []

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        reply = request.reply()
        name = str(request.q.qname).rstrip(".").lower()
        if request.q.qtype == QTYPE.A and name in self.names:
            reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A(self.names[name]), ttl=5))
        if request.q.qtype == QTYPE.TXT:
            for source in self.txt_sources:
                for value in source(name):
                    reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(value), ttl=5))
        return reply


class Pebble:
    """pebble for one test session; the server's settings are known before it starts (`env`)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="shipyard-pebble-"))
        self.ca_bundle = _listener_tls(self.dir)
        self.port = free_port()
        self.management_port = free_port()
        self.resolver = _Resolver()
        self.dns_port = free_port()
        self.dns: DNSServer | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.log = self.dir / "pebble.log"

    @property
    def directory(self) -> str:
        return f"https://127.0.0.1:{self.port}/dir"

    def env(self) -> dict[str, str]:
        """What makes a Shipyard server order its certificates here."""
        return {
            "SHIPYARD_ACME_DIRECTORY": self.directory,
            "SHIPYARD_ACME_CA_BUNDLE": str(self.ca_bundle),
            "SHIPYARD_ACME_DNS_RESOLVER": f"127.0.0.1:{self.dns_port}",
            "SHIPYARD_ACME_DNS_WAIT_SECONDS": "30",
        }

    def point(self, name: str, address: str) -> None:
        """Resolve `name` to `address` for pebble's validation."""
        self.resolver.names[name.lower()] = address

    def start(self) -> Pebble:
        if self.process is not None:
            return self
        if not os.path.exists(PEBBLE):
            raise RuntimeError("pebble is not installed: apt-get install pebble (.ci/run does)")
        self.dns = DNSServer(
            self.resolver,
            port=self.dns_port,
            address="127.0.0.1",
            logger=DNSLogger("-request,-reply,-recv,-send"),
        )
        self.dns.start_thread()
        config = {
            "pebble": {
                "listenAddress": f"127.0.0.1:{self.port}",
                "managementListenAddress": f"127.0.0.1:{self.management_port}",
                "certificate": str(self.dir / "cert.pem"),
                "privateKey": str(self.dir / "key.pem"),
                "httpPort": 80,
                "tlsPort": 443,
                "ocspResponderURL": "",
                "externalAccountBindingRequired": False,
            }
        }
        (self.dir / "pebble.json").write_text(json.dumps(config))
        self.process = subprocess.Popen(
            [PEBBLE, "-config", str(self.dir / "pebble.json"), "-dnsserver", f"127.0.0.1:{self.dns_port}"],
            env={
                **os.environ,
                "PEBBLE_VA_NOSLEEP": "1",  # no random wait before validating
                "PEBBLE_AUTHZREUSE": "0",  # every order validates again (renewals too)
                "PEBBLE_WFE_NONCEREJECT": "0",  # no random badNonce errors
            },
            stdout=open(self.log, "ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"pebble exited: {self.log.read_text()}")
            try:
                if httpx.get(self.directory, verify=self._trust(), timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"pebble did not answer: {self.log.read_text()}")

    def _trust(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_bundle))

    def issuing_root(self) -> str:
        """The root (PEM) the certificates of this pebble run chain to."""
        response = httpx.get(
            f"https://127.0.0.1:{self.management_port}/roots/0", verify=self._trust(), timeout=10
        )
        response.raise_for_status()
        return response.text

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.dns is not None:
            self.dns.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
