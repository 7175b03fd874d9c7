"""Site certificates on the provisioned host: an activated certificate is what nginx serves on 443
(checked by its serial, over TLS with SNI, against the CA that issued it), plain HTTP redirects to
HTTPS, unusable certificates are refused, and Let's Encrypt certificates come from a real ACME CA
(pebble) that validates HTTP-01 against the site on the host, and are renewed.
"""

from __future__ import annotations

import http.server
import shlex
import socket
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from tests.e2e.test_sites import Sites, fetch, served, token, write_as
from tests.support.acme import Pebble
from tests.support.api import Account, client, new_user
from tests.support.forge import Provisioned, events, output_of, wait_until
from tests.support.hosts import Host
from tests.support.pki import Authority, pem_of
from tests.support.server import ShipyardServer

CERTIFICATE_FIELDS = {
    "id", "domain", "type", "request_status", "status", "existing", "active", "activation_status",
    "created_at",
}  # fmt: skip


@pytest.fixture
def sites(server: ShipyardServer, provisioned: Provisioned) -> Iterator[Sites]:
    with client(server, provisioned.owner) as http:
        tracker = Sites(http, provisioned)
        yield tracker
        tracker.cleanup()


def https_get(host: Host, domain: str, root: str, path: str = "/") -> tuple[x509.Certificate, str]:
    """GET over TLS from this machine to the host's 443 with SNI `domain`, verified against `root`:
    the certificate nginx presented, and the response."""
    context = ssl.create_default_context(cadata=root)
    with (
        socket.create_connection((host.ip, 443), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=domain) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
        assert der is not None
        tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {domain}\r\nConnection: close\r\n\r\n".encode())
        chunks = []
        while chunk := tls.recv(65536):
            chunks.append(chunk)
    return x509.load_der_x509_certificate(der), b"".join(chunks).decode(errors="replace")


def serves(host: Host, domain: str, root: str, serial: int, text: str = "This site is ready.") -> str:
    """Wait until nginx serves the certificate `serial` for `domain` (verified against `root`)."""

    def check() -> str | None:
        try:
            cert, response = https_get(host, domain, root)
        except (OSError, ssl.SSLError):
            return None
        return response if cert.serial_number == serial and text in response else None

    response: str = wait_until(check, 30, f"https://{domain} to serve certificate {serial:x}", every=0.3)
    return response


def not_served(host: Host, domain: str, root: str) -> None:
    """Wait until no certificate of `root` is served for `domain` any more."""
    wait_until(lambda: _served_or_none(host, domain, root) is None, 30, f"https://{domain} to go", every=0.3)


def _served_or_none(host: Host, domain: str, root: str) -> x509.Certificate | None:
    try:
        return https_get(host, domain, root)[0]
    except (OSError, ssl.SSLError):
        return None


class Certificates:
    def __init__(self, http: httpx.Client, sid: int, site_id: int) -> None:
        self.http = http
        self.sid = sid
        self.site_id = site_id
        self.base = f"/api/v1/servers/{sid}/sites/{site_id}/certificates"

    def create(self, **body: Any) -> dict[str, Any]:
        response = self.http.post(self.base, json=body)
        assert response.status_code == 200, response.text
        cert: dict[str, Any] = response.json()["certificate"]
        assert set(cert) == CERTIFICATE_FIELDS
        return cert

    def refused(self, path: str = "", **body: Any) -> dict[str, list[str]]:
        response = self.http.post(self.base + path, json=body)
        assert response.status_code == 422, response.text
        errors: dict[str, list[str]] = response.json()["errors"]
        return errors

    def get(self, cert_id: int) -> dict[str, Any]:
        response = self.http.get(f"{self.base}/{cert_id}")
        assert response.status_code == 200, response.text
        cert: dict[str, Any] = response.json()["certificate"]
        return cert

    def ids(self) -> list[int]:
        return [c["id"] for c in self.http.get(self.base).json()["certificates"]]

    def activate(self, cert_id: int) -> dict[str, Any]:
        response = self.http.post(f"{self.base}/{cert_id}/activate")
        assert response.status_code == 200, response.text
        assert response.json()["certificate"]["activation_status"] == "activating"
        return self.wait_activated(cert_id)

    def wait_activated(self, cert_id: int) -> dict[str, Any]:
        cert: dict[str, Any] = wait_until(
            lambda: (c := self.get(cert_id))["activation_status"] in ("activated", "failed", None) and c,
            180,
            f"certificate {cert_id} to be activated",
        )
        if cert["activation_status"] != "activated":
            raise AssertionError(f"certificate {cert_id}: {cert}\n{self.latest_event()}")
        assert cert["active"] is True
        return cert

    def latest_event(self) -> str:
        latest = next(e for e in events(self.http, self.sid) if "certificate" in e["description"])
        return f"{latest['description']}:\n{output_of(self.http, self.sid, latest['description'])}"

    def delete(self, cert_id: int) -> None:
        assert self.http.delete(f"{self.base}/{cert_id}").status_code == 204
        wait_until(
            lambda: self.http.get(f"{self.base}/{cert_id}").status_code == 404,
            120,
            "the certificate's removal",
        )


def site_with_certificates(sites: Sites, **body: Any) -> tuple[dict[str, Any], Certificates]:
    site = sites.create(**body)
    sites.wait(site["id"])
    return site, Certificates(sites.http, sites.sid, site["id"])


def ssl_dir(site_id: int) -> str:
    return f"/etc/nginx/ssl/site-{site_id}"


def listing(host: Host, path: str) -> str:
    return host.run(f"ls -A {shlex.quote(path)} 2>/dev/null || true").stdout.strip()


def test_existing_certificates_are_served_switched_and_removed(
    server: ShipyardServer, provisioned: Provisioned, sites: Sites
) -> None:
    host, t = provisioned.host, token()
    domain = f"tls-{t}.certs.test"
    site, certs = site_with_certificates(sites, domain=domain, project_type="php")
    ca = Authority.root("ca")
    key_a, pem_a, cert_a = ca.issue([domain])
    key_b, pem_b, cert_b = ca.issue(["*.certs.test", "certs.test"])
    root = pem_of(ca.certificate)

    a = certs.create(type="existing", key=key_a, certificate=pem_a)
    assert a["type"] == "existing" and a["domain"] == domain and a["status"] == "installed"
    assert a["active"] is False and a["activation_status"] is None and a["existing"] is True
    b = certs.create(type="existing", key=key_b, certificate=pem_b + pem_of(ca.certificate))
    assert b["domain"] == "*.certs.test,certs.test"
    assert certs.ids() == [a["id"], b["id"]]
    assert (
        "key" not in certs.get(a["id"]) and certs.http.get(f"{certs.base}/{a['id']}/csr").status_code == 404
    )
    assert not listing(host, ssl_dir(site["id"]))  # nothing reaches the host before activation

    # Activated, nginx serves it on 443; plain HTTP redirects, ACME challenges stay on HTTP.
    certs.activate(a["id"])
    assert "This site is ready." in serves(host, domain, root, cert_a.serial_number)
    redirect = fetch(host, domain, "/some/page?x=1")
    assert redirect.status_code == 301 and redirect.headers["location"] == f"https://{domain}/some/page?x=1"
    write_as(host, "forge", f"/home/forge/{domain}/public/.well-known/acme-challenge/probe", "probe-" + t)
    challenge = fetch(host, domain, "/.well-known/acme-challenge/probe")
    assert challenge.status_code == 200 and challenge.text.strip() == "probe-" + t
    key_path = f"{ssl_dir(site['id'])}/{a['id']}/server.key"
    assert host.run(f"stat -c '%a %U' {key_path}").stdout.split() == ["600", "root"]
    assert host.run(f"cat {key_path}").stdout.strip() == key_a.strip()

    # Activating another steps the first back; only the active one's files stay on the host.
    certs.activate(b["id"])
    serves(host, domain, root, cert_b.serial_number)
    assert certs.get(a["id"])["active"] is False and certs.get(a["id"])["activation_status"] is None
    assert listing(host, ssl_dir(site["id"])) == str(b["id"])

    # Deleting the active one takes TLS away: plain HTTP serves the site again.
    certs.delete(b["id"])
    not_served(host, domain, root)
    served(host, domain, "This site is ready.")
    assert not listing(host, ssl_dir(site["id"]))
    assert not listing(host, f"/etc/nginx/forge-conf/{domain}/server")
    assert certs.ids() == [a["id"]]

    # A site removed with an active certificate leaves no TLS files behind.
    certs.activate(a["id"])
    serves(host, domain, root, cert_a.serial_number)
    sites.delete(site["id"])
    not_served(host, domain, root)
    assert host.run(f"test -e {ssl_dir(site['id'])}", check=False).returncode != 0


def test_unusable_certificates_are_refused_and_change_nothing(
    server: ShipyardServer, provisioned: Provisioned, sites: Sites
) -> None:
    host, t = provisioned.host, token()
    domain = f"bad-{t}.certs.test"
    site, certs = site_with_certificates(sites, domain=domain, project_type="html", directory="/")
    ca = Authority.root("ca")
    key, pem, _ = ca.issue([domain])
    other_key, _, _ = ca.issue([domain])
    expired_key, expired, _ = ca.issue([domain], days=10, ago=20)

    assert certs.refused(type="existing", key=other_key, certificate=pem)["certificate"] == [
        "The certificate does not match the private key."
    ]
    reasons = certs.refused(type="existing", key=expired_key, certificate=expired)["certificate"]
    assert len(reasons) == 1 and reasons[0].startswith("The certificate expired on "), reasons
    assert "not PEM" in certs.refused(type="existing", key=key, certificate="garbage")["certificate"][0]
    assert "not a PEM private key" in certs.refused(type="existing", key="garbage", certificate=pem)["key"][0]
    key_elsewhere, pem_elsewhere, _ = ca.issue(["elsewhere.test", "www.elsewhere.test"])
    assert certs.refused(type="existing", key=key_elsewhere, certificate=pem_elsewhere)["certificate"] == [
        f"The certificate is for elsewhere.test, www.elsewhere.test, not for {domain}."
    ]
    assert set(certs.refused(type="existing")) == {"key", "certificate"}
    assert set(certs.refused(type="new", domain="x..test", country="USA")) == {"domain", "country"}
    assert set(certs.refused(type="clone", certificate_id=2**31 - 1)) == {"certificate_id"}
    assert set(certs.refused(type="bogus")) == {"type"}
    assert set(certs.refused("/letsencrypt", domains=["*.certs.test"])) == {"domains.0"}
    assert certs.ids() == []
    assert not listing(host, ssl_dir(site["id"]))
    assert not listing(host, f"/etc/nginx/forge-conf/{domain}/server")
    served(host, domain, "This site is ready.")


class _IssuerServer:
    """Serves one certificate (DER) over HTTP on loopback: the issuer URL of a leaf's AIA."""

    def __init__(self) -> None:
        self.body = b""
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/pkix-cert")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/intermediate.cer"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_signing_request_gets_its_certificate_and_is_cloned(
    server: ShipyardServer, provisioned: Provisioned, sites: Sites, admin_account: Account
) -> None:
    host, t = provisioned.host, token()
    domain, other_domain = f"csr-{t}.certs.test", f"clone-{t}.certs.test"
    _site, certs = site_with_certificates(sites, domain=domain, project_type="php")
    created = certs.create(
        type="new", domain=domain, country="US", state="NY", city="New York",
        organization="Company Name", department="IT",
    )  # fmt: skip
    assert created["type"] == "new" and created["existing"] is False and created["status"] == "pending"
    assert created["request_status"] == "created" and created["domain"] == domain
    response = certs.http.get(f"{certs.base}/{created['id']}/csr")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    csr = x509.load_pem_x509_csr(response.text.encode())
    assert csr.is_signature_valid
    subject = {attribute.oid: attribute.value for attribute in csr.subject}
    assert subject[NameOID.COMMON_NAME] == domain and subject[NameOID.ORGANIZATION_NAME] == "Company Name"
    assert subject[NameOID.COUNTRY_NAME] == "US" and subject[NameOID.ORGANIZATIONAL_UNIT_NAME] == "IT"

    # Nothing to activate until the signed certificate is installed.
    assert certs.http.post(f"{certs.base}/{created['id']}/activate").status_code == 400

    # The CA signs the request through an intermediate that the leaf names (AIA): installed with
    # `add_intermediates`, Shipyard fetches it, and nginx sends it (clients only trust the root).
    issuers = _IssuerServer()
    try:
        root = Authority.root("root")
        intermediate = root.intermediate(issuers.url)
        issuers.body = intermediate.certificate.public_bytes(serialization.Encoding.DER)
        signed = intermediate.sign(csr.public_key(), [domain])
        wrong = Authority.root("other").issue([domain])[1]
        install = f"{certs.base}/{created['id']}/install"
        refused = certs.http.post(install, json={"certificate": wrong})
        assert refused.status_code == 422 and refused.json()["errors"]["certificate"] == [
            "The certificate does not match the private key."
        ]
        response = certs.http.post(install, json={"certificate": pem_of(signed), "add_intermediates": True})
        assert response.status_code == 200, response.text
    finally:
        issuers.stop()
    assert response.json()["certificate"]["status"] == "installed"
    certs.activate(created["id"])
    serves(host, domain, pem_of(root.certificate), signed.serial_number)

    # Another site of the same user takes a copy; another user cannot.
    key, pem, wildcard = root.issue(["*.certs.test"])
    shared = certs.create(type="existing", key=key, certificate=pem)
    _other, other_certs = site_with_certificates(sites, domain=other_domain, project_type="html")
    clone = other_certs.create(type="clone", certificate_id=shared["id"])
    assert clone["type"] == "clone" and clone["domain"] == "*.certs.test" and clone["status"] == "installed"
    assert set(other_certs.refused(type="clone", certificate_id=created["id"])) == {"certificate_id"}
    other_certs.activate(clone["id"])
    serves(host, other_domain, pem_of(root.certificate), wildcard.serial_number)
    stranger = new_user(server, admin_account)
    with client(server, stranger) as http:
        assert http.get(certs.base).status_code == 404
    other_certs.delete(clone["id"])
    certs.delete(created["id"])
    not_served(host, domain, pem_of(root.certificate))
    not_served(host, other_domain, pem_of(root.certificate))


def test_lets_encrypt_certificates_come_from_the_acme_ca_and_are_renewed(
    server: ShipyardServer, provisioned: Provisioned, sites: Sites, pebble: Pebble
) -> None:
    host, t = provisioned.host, token()
    domain, html_domain = f"le-{t}.certs.test", f"le-html-{t}.certs.test"
    site, certs = site_with_certificates(sites, domain=domain, project_type="php", aliases=[f"www.{domain}"])
    _html, html_certs = site_with_certificates(sites, domain=html_domain, project_type="html", directory="/")
    for name in (domain, f"www.{domain}", html_domain):
        pebble.point(name, host.ip)

    ordered = certs.http.post(f"{certs.base}/letsencrypt", json={"domains": [domain, f"www.{domain}"]})
    assert ordered.status_code == 200, ordered.text
    cert = ordered.json()["certificate"]
    assert set(cert) == CERTIFICATE_FIELDS
    assert cert["type"] == "letsencrypt" and cert["status"] == "installing" and cert["existing"] is True
    assert cert["domain"] == f"{domain},www.{domain}" and cert["active"] is False
    html_order = html_certs.http.post(f"{html_certs.base}/letsencrypt", json={"domains": [html_domain]})
    assert html_order.status_code == 200, html_order.text

    done = wait_until(lambda: (c := certs.get(cert["id"]))["status"] != "installing" and c, 180, "the order")
    assert done["status"] == "installed", certs.latest_event()
    certs.wait_activated(cert["id"])
    root = pebble.issuing_root()
    issued, _ = https_get(host, domain, root)
    served_names = issued.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(served_names.get_values_for_type(x509.DNSName)) == sorted([domain, f"www.{domain}"])
    serves(host, f"www.{domain}", root, issued.serial_number)
    assert fetch(host, domain).status_code == 301
    # The challenge files are gone again.
    assert not listing(host, f"/home/forge/{domain}/public/.well-known")

    html_cert = html_order.json()["certificate"]
    html_certs.wait_activated(html_cert["id"])
    html_issued, _ = https_get(host, html_domain, root)
    assert html_issued.serial_number != issued.serial_number

    # Renewal: the recurring round renews what expires within the threshold (pebble's certificates
    # last five years, so the round is run by hand with a threshold beyond that).
    server.cli("jobs", "enqueue", "certificates.renew_due", "--args", '{"within_days": 36500}')
    renewed: x509.Certificate = wait_until(
        lambda: (
            (c := _served_or_none(host, domain, root)) is not None
            and c.serial_number != issued.serial_number
            and c
        ),
        180,
        "a renewed certificate",
    )
    assert renewed.not_valid_before_utc >= issued.not_valid_before_utc
    assert certs.get(cert["id"])["active"] is True

    # A name the CA cannot validate (it does not resolve to the host) fails with the CA's reason.
    failing = certs.http.post(f"{certs.base}/letsencrypt", json={"domains": [f"nowhere-{t}.certs.test"]})
    assert failing.status_code == 200, failing.text
    failed_id = failing.json()["certificate"]["id"]
    failed = wait_until(
        lambda: (c := certs.get(failed_id))["status"] != "installing" and c, 180, "the failure"
    )
    assert failed["status"] == "failed" and failed["active"] is False
    assert "nowhere-" in output_of(
        certs.http, certs.sid, f"Ordering certificate {failed_id} of site {site['id']}"
    )
    serves(host, domain, root, renewed.serial_number)  # the active one is untouched

    # Deleting the site's ACME certificates takes the challenge location away too.
    certs.delete(failed_id)
    certs.delete(cert["id"])
    assert not listing(host, f"/etc/nginx/forge-conf/{domain}/server")
    html_certs.delete(html_cert["id"])
    not_served(host, domain, root)
    not_served(host, html_domain, root)
