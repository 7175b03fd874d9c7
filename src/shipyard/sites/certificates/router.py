"""Forge's certificate endpoints: `/api/v1/servers/{server_id}/sites/{site_id}/certificates`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import PlainTextResponse

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.sites.certificates import service
from shipyard.sites.certificates.models import Certificate
from shipyard.sites.certificates.schemas import (
    CertificateCreate,
    CertificateEnvelope,
    CertificateInstall,
    CertificateList,
    CertificateRead,
    LetsEncryptCreate,
)

router = APIRouter(prefix="/api/v1/servers/{server_id}/sites/{site_id}/certificates", tags=["certificates"])

CertificatesPrincipal = Annotated[Principal, Depends(Authenticator("certificates"))]


def certificate_read(certificate: Certificate) -> CertificateRead:
    """Forge's certificate; `existing` is true for every kind but a signing request made here."""
    return CertificateRead(
        id=certificate.id,
        domain=",".join(certificate.domains),
        type=certificate.type,
        request_status=certificate.request_status,
        status=certificate.status,
        existing=certificate.type != "new",
        active=certificate.active,
        activation_status=certificate.activation_status,
        created_at=certificate.created_at,
    )


@router.post("", response_model=CertificateEnvelope)
async def create_certificate(
    server_id: ResourceId,
    site_id: ResourceId,
    body: CertificateCreate,
    principal: CertificatesPrincipal,
    session: DbSession,
) -> CertificateEnvelope:
    """`new`: a key and signing request for `domain`; `existing`: `key` and `certificate` (checked:
    they match, it has not expired and names the site's domain); `clone`: a copy of another of
    your sites' certificates (`certificate_id`)."""
    certificate = await service.create(session, principal.user, server_id, site_id, body)
    audit.record(
        session, principal.actor, "certificate.create", subject=f"certificate:{certificate.id}",
        details={"type": certificate.type},
    )  # fmt: skip
    return CertificateEnvelope(certificate=certificate_read(certificate))


@router.post("/letsencrypt", response_model=CertificateEnvelope)
async def obtain_letsencrypt_certificate(
    server_id: ResourceId,
    site_id: ResourceId,
    body: LetsEncryptCreate,
    principal: CertificatesPrincipal,
    session: DbSession,
) -> CertificateEnvelope:
    """Orders a certificate for `domains` from the ACME CA (`SHIPYARD_ACME_DIRECTORY`), validated
    over HTTP through the site, or with `dns_provider` (cloudflare, route53, digitalocean; needed
    for `*.` wildcards) through TXT records at that provider; once issued it is activated.
    Renewed before it expires."""
    certificate = await service.letsencrypt(
        session, principal.user, server_id, site_id, body, actor=principal.actor
    )
    audit.record(session, principal.actor, "certificate.letsencrypt", subject=f"certificate:{certificate.id}")
    return CertificateEnvelope(certificate=certificate_read(certificate))


@router.get("", response_model=CertificateList)
async def list_certificates(
    server_id: ResourceId,
    site_id: ResourceId,
    principal: CertificatesPrincipal,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> CertificateList:
    rows, total = await service.page(
        session, principal.user, server_id, site_id, offset=paging.offset, limit=paging.size
    )
    set_page_headers(request, response, paging, total)
    return CertificateList(certificates=[certificate_read(row) for row in rows])


@router.get("/{certificate_id}", response_model=CertificateEnvelope)
async def get_certificate(
    server_id: ResourceId,
    site_id: ResourceId,
    certificate_id: ResourceId,
    principal: CertificatesPrincipal,
    session: DbSession,
) -> CertificateEnvelope:
    certificate = await service.get(session, principal.user, server_id, site_id, certificate_id)
    return CertificateEnvelope(certificate=certificate_read(certificate))


@router.get("/{certificate_id}/csr", response_class=PlainTextResponse)
async def get_signing_request(
    server_id: ResourceId,
    site_id: ResourceId,
    certificate_id: ResourceId,
    principal: CertificatesPrincipal,
    session: DbSession,
) -> str:
    """The certificate signing request (PEM), as text."""
    return await service.signing_request(session, principal.user, server_id, site_id, certificate_id)


@router.post("/{certificate_id}/install", response_model=CertificateEnvelope)
async def install_certificate(
    server_id: ResourceId,
    site_id: ResourceId,
    certificate_id: ResourceId,
    body: CertificateInstall,
    principal: CertificatesPrincipal,
    session: DbSession,
) -> CertificateEnvelope:
    """Installs the signed certificate for a signing request made here; `add_intermediates` fetches
    the issuers the certificate names and appends them."""
    certificate = await service.install(
        session, principal.user, server_id, site_id, certificate_id, body, actor=principal.actor
    )
    audit.record(session, principal.actor, "certificate.install", subject=f"certificate:{certificate_id}")
    return CertificateEnvelope(certificate=certificate_read(certificate))


@router.post("/{certificate_id}/activate", response_model=CertificateEnvelope)
async def activate_certificate(
    server_id: ResourceId,
    site_id: ResourceId,
    certificate_id: ResourceId,
    principal: CertificatesPrincipal,
    session: DbSession,
) -> CertificateEnvelope:
    """Makes nginx serve the certificate on 443 for the site (and redirect HTTP to HTTPS); the
    site's active certificate before is deactivated. `activation_status` becomes `activated`."""
    certificate = await service.activate(
        session, principal.user, server_id, site_id, certificate_id, actor=principal.actor
    )
    audit.record(session, principal.actor, "certificate.activate", subject=f"certificate:{certificate_id}")
    return CertificateEnvelope(certificate=certificate_read(certificate))


@router.delete("/{certificate_id}", status_code=204)
async def delete_certificate(
    server_id: ResourceId,
    site_id: ResourceId,
    certificate_id: ResourceId,
    principal: CertificatesPrincipal,
    session: DbSession,
) -> None:
    """Deletes the certificate; an active one stops being served (the site is plain HTTP again)."""
    await service.delete(session, principal.user, server_id, site_id, certificate_id, actor=principal.actor)
    audit.record(session, principal.actor, "certificate.delete", subject=f"certificate:{certificate_id}")
