"""Certificate rules: what each kind needs, what makes a certificate usable, and the jobs that put
one on the host.

Keys and signing requests are made here (the key is stored encrypted and never returned). A
certificate given to Shipyard is checked before it is stored: it parses, matches its key, has not
expired and names the site's domain. Activating one (and ordering one from an ACME CA) runs as a
job in line with every other change on the site's server; one certificate per site is active.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import httpx
from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.db import utcnow
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.hostops.sites import includes_part, site_alias
from shipyard.providers import dns
from shipyard.servers import resources
from shipyard.servers import service as servers
from shipyard.sites import service as sites
from shipyard.sites.certificates import pki, repository
from shipyard.sites.certificates.models import Certificate
from shipyard.sites.certificates.schemas import (
    CertificateCreate,
    CertificateInstall,
    DnsProvider,
    LetsEncryptCreate,
)
from shipyard.sites.models import Site

PENDING, INSTALLING, INSTALLED, FAILED = "pending", "installing", "installed", "failed"
ACTIVATING, ACTIVATED = "activating", "activated"
CREATE_TYPES = ("new", "existing", "clone")
INTERMEDIATES_SECONDS = 10
CREDENTIAL = re.compile(r"^[\x21-\x7e]+\Z")  # API tokens and keys: visible ASCII
DOMAIN_RULE = "The domain must be a domain name (a '*.' wildcard at most for its first label)."


def certificate_domain(value: str) -> str | None:
    """A domain to certify in canonical form (a wildcard `*.name` is allowed), or None."""
    return site_alias(value, wildcards=True)


async def _site(session: AsyncSession, user: User, server_id: int, site_id: int) -> Site:
    site = await sites.get(session, user, server_id, site_id)
    if site.status == resources.REMOVING:
        raise servers.ActionFailed("The site is being removed.")
    return site


def _require_tls_include(site: Site, field: str) -> None:
    if not includes_part(site.vhost_template, "server"):
        raise ValidationFailed(
            {
                field: [
                    "The site's nginx configuration must include forge-conf/{{ SITE }}/server/* inside its "
                    "server block for a certificate to be served; add the include with PUT .../nginx."
                ]
            }
        )


async def page(
    session: AsyncSession, user: User, server_id: int, site_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Certificate], int]:
    site = await sites.get(session, user, server_id, site_id)
    return await repository.page(session, site.id, offset=offset, limit=limit)


async def get(
    session: AsyncSession, user: User, server_id: int, site_id: int, certificate_id: int
) -> Certificate:
    site = await sites.get(session, user, server_id, site_id)
    certificate = await repository.of_site(session, site.id, certificate_id)
    if certificate is None:
        raise NotFound("certificate")
    return certificate


def _required(body: CertificateCreate, fields: Sequence[str]) -> dict[str, list[str]]:
    return {
        field: [f"The {field} field is required when type is {body.type}."]
        for field in fields
        if not getattr(body, field)
    }


def _new(site: Site, body: CertificateCreate) -> Certificate:
    errors = _required(body, ("domain", "country"))
    domain = certificate_domain(body.domain or "")
    if body.domain and domain is None:
        errors["domain"] = [DOMAIN_RULE]
    elif domain is not None and len(domain) > pki.COMMON_NAME_LIMIT:
        errors["domain"] = [
            f"The domain of a signing request has at most {pki.COMMON_NAME_LIMIT} characters."
        ]
    subject = pki.Subject(
        domain=domain or "",
        country=body.country or "",
        state=body.state or "",
        city=body.city or "",
        organization=body.organization or "",
        department=body.department or "",
    )
    for field, reasons in pki.subject_errors(subject).items():
        errors.setdefault(field, reasons)
    if errors:
        raise ValidationFailed(errors)
    key = pki.new_key()
    return Certificate(
        server_id=site.server_id,
        site_id=site.id,
        type="new",
        domains=[subject.domain],
        status=PENDING,
        private_key=key,
        csr=pki.make_csr(key, subject),
    )


def _existing(site: Site, body: CertificateCreate) -> Certificate:
    errors = _required(body, ("key", "certificate"))
    if errors:
        raise ValidationFailed(errors)
    chain = _checked(body.certificate or "", body.key or "", site.name)
    return Certificate(
        server_id=site.server_id,
        site_id=site.id,
        type="existing",
        domains=list(chain.names),
        status=INSTALLED,
        private_key=body.key or "",
        certificate=chain.pem(),
        expires_at=chain.expires_at,
    )


def _checked(chain_pem: str, key_pem: str, domain: str, *, field: str = "certificate") -> pki.Chain:
    """The chain, or a 422 saying (by field) why it cannot serve `domain` with the key."""
    errors: dict[str, list[str]] = {}
    key: pki.SigningKey | None = None
    chain: pki.Chain | None = None
    try:
        key = pki.load_key(key_pem)
    except pki.PemError as exc:
        errors["key"] = [str(exc)]
    try:
        chain = pki.load_chain(chain_pem)
    except pki.PemError as exc:
        errors[field] = [str(exc)]
    if chain is not None and key is not None and (reasons := pki.chain_errors(chain, key, domain, utcnow())):
        errors[field] = reasons
    if errors or chain is None:
        raise ValidationFailed(errors)
    return chain


async def _clone(session: AsyncSession, user: User, site: Site, body: CertificateCreate) -> Certificate:
    errors = _required(body, ("certificate_id",))
    if errors:
        raise ValidationFailed(errors)
    source = await repository.of_user(session, user.id, body.certificate_id or 0)
    if source is None or source.site_id == site.id:
        raise ValidationFailed(
            {"certificate_id": ["The certificate_id must be a certificate of another of your sites."]}
        )
    if source.certificate is None or source.status != INSTALLED:
        raise ValidationFailed(
            {"certificate_id": ["That certificate has no signed certificate to copy yet."]}
        )
    chain = _checked(source.certificate, source.private_key, site.name, field="certificate_id")
    return Certificate(
        server_id=site.server_id,
        site_id=site.id,
        type="clone",
        domains=list(chain.names),
        status=INSTALLED,
        private_key=source.private_key,
        csr=source.csr,
        certificate=chain.pem(),
        expires_at=chain.expires_at,
    )


async def create(
    session: AsyncSession, user: User, server_id: int, site_id: int, body: CertificateCreate
) -> Certificate:
    """A certificate from a new key and signing request, an existing key and certificate, or a copy."""
    site = await _site(session, user, server_id, site_id)
    if body.type == "new":
        certificate = _new(site, body)
    elif body.type == "existing":
        certificate = _existing(site, body)
    elif body.type == "clone":
        certificate = await _clone(session, user, site, body)
    else:
        raise ValidationFailed({"type": [f"The type must be one of: {', '.join(CREATE_TYPES)}."]})
    session.add(certificate)
    await session.flush()
    return certificate


def _dns_credentials(provider: DnsProvider, errors: dict[str, list[str]]) -> dict[str, str]:
    """The credentials the provider's type needs, from the body (errors go to `errors`)."""
    if provider.type not in dns.TYPES:
        errors["dns_provider.type"] = [f"The DNS provider type must be one of: {', '.join(dns.TYPES)}."]
        return {}
    credentials: dict[str, str] = {}
    for field in dns.CREDENTIALS[provider.type]:
        value = getattr(provider, field)
        if not value:
            errors[f"dns_provider.{field}"] = [f"The {field} field is required when type is {provider.type}."]
        elif not CREDENTIAL.match(value):
            errors[f"dns_provider.{field}"] = [f"The {field} must be printable ASCII without spaces."]
        else:
            credentials[field] = value
    return credentials


async def letsencrypt(
    session: AsyncSession, user: User, server_id: int, site_id: int, body: LetsEncryptCreate, *, actor: Actor
) -> Certificate:
    """Order a certificate for `domains` from the ACME CA (HTTP-01 through the site, or DNS-01
    through the DNS provider given, which wildcards need); once issued, it becomes the site's
    active certificate."""
    site = await _site(session, user, server_id, site_id)
    errors: dict[str, list[str]] = {}
    domains: list[str] = []
    for index, value in enumerate(body.domains):
        domain = certificate_domain(value)
        if domain is None:
            errors[f"domains.{index}"] = [DOMAIN_RULE]
        elif domain.startswith("*.") and body.dns_provider is None:
            errors[f"domains.{index}"] = [
                "Wildcard names can only be validated with DNS-01: give a dns_provider (cloudflare, "
                "route53 or digitalocean) or list each name instead."
            ]
        elif domain not in domains:
            domains.append(domain)
    credentials: dict[str, str] = {}
    if body.dns_provider is not None:
        credentials = _dns_credentials(body.dns_provider, errors)
    if errors:
        raise ValidationFailed(errors)
    _require_tls_include(site, "domains")
    servers.require_ready(await servers.get(session, user, server_id))
    certificate = Certificate(
        server_id=site.server_id,
        site_id=site.id,
        type="letsencrypt",
        domains=domains,
        status=INSTALLING,
        activation_status=ACTIVATING,
        private_key=pki.new_key(),
        dns_provider=body.dns_provider.type if body.dns_provider is not None else None,
        dns_credentials=json.dumps(credentials) if body.dns_provider is not None else None,
    )
    session.add(certificate)
    await session.flush()
    resources.enqueue(session, "certificates.obtain", certificate, actor=actor)
    return certificate


async def signing_request(
    session: AsyncSession, user: User, server_id: int, site_id: int, certificate_id: int
) -> str:
    """The certificate's signing request (PEM)."""
    certificate = await get(session, user, server_id, site_id, certificate_id)
    if certificate.csr is None:
        raise NotFound("signing request")
    return certificate.csr


async def _fetch_issuer(client: httpx.AsyncClient, certificate: x509.Certificate) -> x509.Certificate | None:
    """The issuer named by the certificate's Authority Information Access (None: it names none)."""
    try:
        access = certificate.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
    except x509.ExtensionNotFound:
        return None
    assert isinstance(access, x509.AuthorityInformationAccess)
    urls = [
        description.access_location.value
        for description in access
        if description.access_method == AuthorityInformationAccessOID.CA_ISSUERS
        and isinstance(description.access_location, x509.UniformResourceIdentifier)
        and description.access_location.value.startswith(("http://", "https://"))
    ]
    if not urls:
        return None
    try:
        response = await client.get(urls[0])
        response.raise_for_status()
    except httpx.HTTPError as exc:
        raise ValidationFailed(
            {"add_intermediates": [f"The issuer certificate could not be fetched from {urls[0]}: {exc}"]}
        ) from exc
    try:
        if response.content.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(response.content)
        return x509.load_der_x509_certificate(response.content)
    except ValueError as exc:
        raise ValidationFailed(
            {"add_intermediates": [f"{urls[0]} did not answer with a certificate (DER or PEM)."]}
        ) from exc


async def _with_intermediates(chain: pki.Chain) -> pki.Chain:
    """The chain completed with the issuers its certificates name, up to (not including) the root."""
    found = list(chain.intermediates)
    current = found[-1] if found else chain.leaf
    async with httpx.AsyncClient(timeout=INTERMEDIATES_SECONDS, follow_redirects=True) as client:
        while len(found) < pki.MAX_CERTIFICATES - 1 and current.issuer != current.subject:
            issuer = await _fetch_issuer(client, current)
            if issuer is None and not found:
                raise ValidationFailed(
                    {
                        "add_intermediates": [
                            "The certificate names no issuer to fetch (no Authority Information Access); "
                            "append the intermediate certificates to it instead."
                        ]
                    }
                )
            if issuer is None or issuer.issuer == issuer.subject:
                break  # a root: clients have it, servers do not send it
            found.append(issuer)
            current = issuer
    return pki.Chain(chain.leaf, tuple(found))


async def install(
    session: AsyncSession,
    user: User,
    server_id: int,
    site_id: int,
    certificate_id: int,
    body: CertificateInstall,
    *,
    actor: Actor,
) -> Certificate:
    """Store the signed certificate for a signing request made here (an active one is served anew)."""
    certificate = await get(session, user, server_id, site_id, certificate_id)
    if certificate.type != "new":
        raise servers.ActionFailed("Only a certificate created with a signing request (type new) takes one.")
    if certificate.status == resources.REMOVING:
        raise servers.ActionFailed("The certificate is being removed.")
    chain = _checked(body.certificate, certificate.private_key, certificate.domains[0])
    if body.add_intermediates:
        chain = await _with_intermediates(chain)
    certificate.certificate = chain.pem()
    certificate.expires_at = chain.expires_at
    certificate.status = INSTALLED
    if certificate.active:
        site = await _site(session, user, server_id, site_id)
        _require_tls_include(site, "certificate")
        certificate.activation_status = ACTIVATING
        resources.enqueue(session, "certificates.activate", certificate, actor=actor)
    return certificate


async def activate(
    session: AsyncSession, user: User, server_id: int, site_id: int, certificate_id: int, *, actor: Actor
) -> Certificate:
    """Make the certificate the one nginx serves for the site (the active one before steps back)."""
    site = await _site(session, user, server_id, site_id)
    certificate = await get(session, user, server_id, site_id, certificate_id)
    if certificate.status == resources.REMOVING:
        raise servers.ActionFailed("The certificate is being removed.")
    if certificate.status != INSTALLED or certificate.certificate is None:
        raise servers.ActionFailed(
            "The certificate has no signed certificate yet"
            + (": install one for its signing request first." if certificate.type == "new" else ".")
        )
    _require_tls_include(site, "certificate")
    servers.require_ready(await servers.get(session, user, server_id))
    certificate.activation_status = ACTIVATING
    resources.enqueue(session, "certificates.activate", certificate, actor=actor)
    return certificate


async def delete(
    session: AsyncSession, user: User, server_id: int, site_id: int, certificate_id: int, *, actor: Actor
) -> None:
    """Marks the certificate `removing`; the job stops serving it if it is active, then forgets it."""
    certificate = await get(session, user, server_id, site_id, certificate_id)
    servers.require_ready(await servers.get(session, user, server_id))
    if certificate.status != resources.REMOVING:
        resources.mark_removing(session, "certificates.remove", certificate, actor=actor)
