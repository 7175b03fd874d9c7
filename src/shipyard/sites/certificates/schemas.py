"""Forge's certificate bodies."""

from __future__ import annotations

from pydantic import BaseModel, Field

from shipyard.core.formats import ForgeDateTime, Id

MAX_PEM = 65536
MAX_DOMAINS = 100


class CertificateCreate(BaseModel):
    """One body for the three kinds Forge creates on `POST .../certificates`, told apart by `type`."""

    type: str = Field(max_length=16, description="new (key and signing request), existing or clone")
    domain: str | None = Field(default=None, max_length=253, description="new: the domain to certify")
    country: str | None = Field(default=None, max_length=64, description="new: a two-letter country code")
    state: str | None = Field(default=None, max_length=255)
    city: str | None = Field(default=None, max_length=255)
    organization: str | None = Field(default=None, max_length=255)
    department: str | None = Field(default=None, max_length=255)
    key: str | None = Field(default=None, max_length=MAX_PEM, description="existing: the private key, PEM")
    certificate: str | None = Field(
        default=None, max_length=MAX_PEM, description="existing: the certificate and its chain, PEM"
    )
    certificate_id: Id | None = Field(default=None, description="clone: a certificate of another site")


MAX_CREDENTIAL = 4096


class DnsProvider(BaseModel):
    """Forge's DNS provider of a DNS-01 order; the fields of other types than `type` are ignored.
    Shipyard drives cloudflare, route53 and digitalocean (the others are a 422)."""

    type: str = Field(max_length=32, description="cloudflare, route53 or digitalocean")
    cloudflare_api_token: str | None = Field(default=None, max_length=MAX_CREDENTIAL)
    route53_key: str | None = Field(default=None, max_length=MAX_CREDENTIAL)
    route53_secret: str | None = Field(default=None, max_length=MAX_CREDENTIAL)
    digitalocean_token: str | None = Field(default=None, max_length=MAX_CREDENTIAL)
    dnssimple_token: str | None = Field(default=None, max_length=MAX_CREDENTIAL)
    linode_token: str | None = Field(default=None, max_length=MAX_CREDENTIAL)
    ovh_endpoint: str | None = Field(default=None, max_length=MAX_CREDENTIAL)
    ovh_app_key: str | None = Field(default=None, max_length=MAX_CREDENTIAL)
    ovh_app_secret: str | None = Field(default=None, max_length=MAX_CREDENTIAL)
    ovh_consumer_key: str | None = Field(default=None, max_length=MAX_CREDENTIAL)
    google_credentials_file: str | None = Field(default=None, max_length=MAX_CREDENTIAL)


class LetsEncryptCreate(BaseModel):
    domains: list[str] = Field(min_length=1, max_length=MAX_DOMAINS)
    dns_provider: DnsProvider | None = Field(
        default=None,
        description="validate every name with DNS-01 through this provider (required for '*.' wildcards); "
        "without it, names are validated with HTTP-01 through the site",
    )


class CertificateInstall(BaseModel):
    certificate: str = Field(min_length=1, max_length=MAX_PEM, description="the signed certificate, PEM")
    add_intermediates: bool = Field(
        default=False, description="fetch the issuers named in the certificate (its AIA) and append them"
    )


class CertificateRead(BaseModel):
    id: int
    domain: str
    type: str
    request_status: str
    status: str
    existing: bool
    active: bool
    activation_status: str | None
    created_at: ForgeDateTime


class CertificateEnvelope(BaseModel):
    certificate: CertificateRead


class CertificateList(BaseModel):
    certificates: list[CertificateRead]
