"""Let's Encrypt certificates validated with DNS-01 through DNS providers: Shipyard creates the
`_acme-challenge` TXT records through the provider's API (fakes of Cloudflare and DigitalOcean,
moto's Route 53), pebble validates them by asking the DNS, the site then serves the issued
certificate on 443, and the records are gone again. A refused credential or a name outside the
provider's zones fails the certificate with the provider's reason and installs nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography import x509

from tests.e2e.test_site_certificates import (
    CERTIFICATE_FIELDS,
    Certificates,
    https_get,
    listing,
    serves,
    site_with_certificates,
    ssl_dir,
)
from tests.e2e.test_sites import Sites, fetch, sites, token
from tests.support.dns_providers import CLOUDFLARE_TOKEN, DIGITALOCEAN_TOKEN, DnsProviders
from tests.support.forge import Provisioned, output_of, wait_until
from tests.support.server import ShipyardServer

__all__ = ["sites"]  # the fixture, shared with test_sites

CLOUDFLARE_ZONE, DIGITALOCEAN_ZONE, ROUTE53_ZONE = "cf-dns.test", "do-dns.test", "r53-dns.test"


@pytest.fixture
def providers(dns_providers: DnsProviders) -> DnsProviders:
    """The fakes, each with its zone."""
    if CLOUDFLARE_ZONE not in dns_providers.cloudflare.zones:
        dns_providers.cloudflare.add_zone(CLOUDFLARE_ZONE)
        dns_providers.digitalocean.add_zone(DIGITALOCEAN_ZONE)
        dns_providers.route53.add_zone(ROUTE53_ZONE)
    return dns_providers


def order(certs: Certificates, domains: list[str], provider: dict[str, Any]) -> dict[str, Any]:
    response = certs.http.post(
        f"{certs.base}/letsencrypt", json={"domains": domains, "dns_provider": provider}
    )
    assert response.status_code == 200, response.text
    cert: dict[str, Any] = response.json()["certificate"]
    assert set(cert) == CERTIFICATE_FIELDS  # the credentials never come back
    assert cert["type"] == "letsencrypt" and cert["status"] == "installing"
    assert cert["domain"] == ",".join(domains)
    return cert


def finished(certs: Certificates, cert_id: int) -> dict[str, Any]:
    done: dict[str, Any] = wait_until(
        lambda: (c := certs.get(cert_id))["status"] != "installing" and c,
        180,
        f"certificate {cert_id}'s order",
    )
    return done


def served_names(certificate: x509.Certificate) -> list[str]:
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return sorted(names.get_values_for_type(x509.DNSName))


def issued_and_served(
    provisioned: Provisioned, certs: Certificates, cert_id: int, domains: list[str], root: str, sni: list[str]
) -> x509.Certificate:
    """The certificate is issued and activated, and nginx serves it (with all `domains`) for `sni`."""
    done = finished(certs, cert_id)
    assert done["status"] == "installed", certs.latest_event()
    certs.wait_activated(cert_id)
    issued, response = https_get(provisioned.host, sni[0], root)
    assert served_names(issued) == sorted(domains)
    assert "This site is ready." in response
    for name in sni[1:]:
        serves(provisioned.host, name, root, issued.serial_number)
    return issued


def test_cloudflare_validates_a_wildcard_certificate(
    provisioned: Provisioned, sites: Sites, providers: DnsProviders
) -> None:
    t = token()
    domain = f"cf-{t}.{CLOUDFLARE_ZONE}"
    site, certs = site_with_certificates(
        sites, domain=domain, project_type="html", directory="/", wildcards=True
    )
    domains = [domain, f"*.{domain}"]
    cert = order(certs, domains, {"type": "cloudflare", "cloudflare_api_token": CLOUDFLARE_TOKEN})

    root = providers.pebble.issuing_root()
    issued_and_served(
        provisioned, certs, cert["id"], domains, root, [domain, f"any.{domain}", f"www.{domain}"]
    )
    assert fetch(provisioned.host, f"any.{domain}").status_code == 301  # plain HTTP goes to HTTPS

    # Both names are validated at `_acme-challenge.<domain>`: two records, both deleted again.
    records = providers.cloudflare.created(f"_acme-challenge.{domain}")
    assert len(records) == 2 and all(r.deleted for r in records), records
    assert providers.cloudflare.txt(f"_acme-challenge.{domain}") == []
    # Nothing of it touched the site: no challenge files, no ACME location.
    assert not listing(provisioned.host, f"/home/forge/{domain}/.well-known")
    event = output_of(certs.http, certs.sid, f"Ordering certificate {cert['id']} of site {site['id']}")
    assert CLOUDFLARE_TOKEN not in event
    certs.delete(cert["id"])


def test_route53_validates_through_signed_requests(
    provisioned: Provisioned, sites: Sites, providers: DnsProviders
) -> None:
    t = token()
    domain = f"r53-{t}.{ROUTE53_ZONE}"
    _site, certs = site_with_certificates(sites, domain=domain, project_type="php", aliases=[f"www.{domain}"])
    domains = [domain, f"www.{domain}"]
    route53 = providers.route53
    provider = {"type": "route53", "route53_key": route53.access_key, "route53_secret": route53.secret_key}
    cert = order(certs, domains, provider)

    root = providers.pebble.issuing_root()
    issued_and_served(provisioned, certs, cert["id"], domains, root, [domain, f"www.{domain}"])
    assert route53.txt(f"_acme-challenge.{domain}") == []
    assert route53.txt(f"_acme-challenge.www.{domain}") == []
    certs.delete(cert["id"])


def test_digitalocean_validates_and_renews(
    server: ShipyardServer, provisioned: Provisioned, sites: Sites, providers: DnsProviders
) -> None:
    t = token()
    domain = f"do-{t}.{DIGITALOCEAN_ZONE}"
    _site, certs = site_with_certificates(sites, domain=domain, project_type="html", directory="/")
    cert = order(certs, [domain], {"type": "digitalocean", "digitalocean_token": DIGITALOCEAN_TOKEN})

    root = providers.pebble.issuing_root()
    issued = issued_and_served(provisioned, certs, cert["id"], [domain], root, [domain])
    records = providers.digitalocean.created(f"_acme-challenge.{domain}")
    assert len(records) == 1 and records[0].deleted and records[0].zone == DIGITALOCEAN_ZONE

    # A renewal validates through the provider again, with the credentials kept for it.
    server.cli("jobs", "enqueue", "certificates.renew_due", "--args", '{"within_days": 36500}')
    wait_until(
        lambda: https_get(provisioned.host, domain, root)[0].serial_number != issued.serial_number,
        180,
        "the renewed certificate",
    )
    records = providers.digitalocean.created(f"_acme-challenge.{domain}")
    assert len(records) == 2 and all(r.deleted for r in records), records
    certs.delete(cert["id"])


def test_refused_credentials_and_unknown_zones_fail_with_the_providers_reason(
    provisioned: Provisioned, sites: Sites, providers: DnsProviders
) -> None:
    host, t = provisioned.host, token()
    domain = f"bad-{t}.{CLOUDFLARE_ZONE}"
    site, certs = site_with_certificates(sites, domain=domain, project_type="html", directory="/")

    # Refused before anything is ordered: unknown types, missing credentials, wildcards over HTTP.
    refused = certs.refused(
        "/letsencrypt", domains=[domain], dns_provider={"type": "linode", "linode_token": "x"}
    )
    assert set(refused) == {"dns_provider.type"}
    assert set(certs.refused("/letsencrypt", domains=[domain], dns_provider={"type": "route53"})) == {
        "dns_provider.route53_key",
        "dns_provider.route53_secret",
    }
    assert set(certs.refused("/letsencrypt", domains=[f"*.{domain}"])) == {"domains.0"}
    assert certs.ids() == []

    wrong = order(certs, [domain], {"type": "cloudflare", "cloudflare_api_token": "not-the-token"})
    elsewhere = order(
        certs,
        [f"nowhere-{t}.example.test"],
        {"type": "digitalocean", "digitalocean_token": DIGITALOCEAN_TOKEN},
    )
    for cert, reason in (
        (wrong, "Authentication error (10000)"),
        (elsewhere, "DigitalOcean has no zone for"),
    ):
        failed = finished(certs, cert["id"])
        assert (
            failed["status"] == "failed" and failed["active"] is False and failed["activation_status"] is None
        )
        event = output_of(certs.http, certs.sid, f"Ordering certificate {cert['id']} of site {site['id']}")
        assert reason in event, event
        assert "not-the-token" not in event and DIGITALOCEAN_TOKEN not in event

    # Nothing reached the host or the provider.
    assert not listing(host, ssl_dir(site["id"]))
    assert not listing(host, f"/etc/nginx/forge-conf/{domain}/server")
    assert providers.cloudflare.created(f"_acme-challenge.{domain}") == []
    assert fetch(host, domain).status_code == 200
    certs.delete(wrong["id"])
    certs.delete(elsewhere["id"])
