"""Keys, signing requests and certificates, made and checked in Shipyard with `cryptography`.

A certificate given to Shipyard is PEM: the site's certificate first, then its intermediates. It
is usable when it parses, its public key is the key's, it has not expired and it names the
domain it is for (a `*.parent` name covers one label below `parent`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.x509.oid import ExtensionOID, NameOID

from shipyard.core.validation import LABEL

KEY_BITS = 2048
MAX_CERTIFICATES = 10  # the certificate and its intermediates
COUNTRY = re.compile(r"^[A-Za-z]{2}\Z")
COMMON_NAME_LIMIT = 64
SUBJECT_LIMIT = 64  # RFC 5280's upper bound for organization names, and a sane one for the rest

SigningKey = (
    rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey
)


class PemError(ValueError):
    """Content that is not what it must be; the message is fit for the API caller."""


@dataclass(frozen=True)
class Chain:
    """A certificate and the intermediates that follow it."""

    leaf: x509.Certificate
    intermediates: tuple[x509.Certificate, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return certificate_names(self.leaf)

    @property
    def expires_at(self) -> datetime:
        return self.leaf.not_valid_after_utc

    def pem(self) -> str:
        return "".join(
            cert.public_bytes(serialization.Encoding.PEM).decode()
            for cert in (self.leaf, *self.intermediates)
        )


@dataclass(frozen=True)
class Subject:
    """Who a signing request is for (Forge's `new` certificate)."""

    domain: str
    country: str
    state: str
    city: str
    organization: str
    department: str


def new_key() -> str:
    """A new RSA private key, PKCS#8 PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    return key_pem(key)


def key_pem(key: SigningKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def load_key(pem: str) -> SigningKey:
    """The private key in `pem` (unencrypted), or PemError."""
    try:
        key = serialization.load_pem_private_key(pem.strip().encode(), password=None)
    except TypeError as exc:
        raise PemError("The key is encrypted; give it without a passphrase.") from exc
    except (ValueError, UnicodeEncodeError) as exc:
        raise PemError("The key is not a PEM private key.") from exc
    if not isinstance(
        key,
        rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey,
    ):
        raise PemError("The key must be an RSA, ECDSA or EdDSA key.")
    return key


def load_chain(pem: str) -> Chain:
    """The certificates in `pem`, the site's first, or PemError."""
    try:
        certificates = x509.load_pem_x509_certificates(pem.strip().encode())
    except (ValueError, UnicodeEncodeError) as exc:
        raise PemError("The certificate is not PEM: it must be one or more CERTIFICATE blocks.") from exc
    if len(certificates) > MAX_CERTIFICATES:
        raise PemError(f"The certificate may bring at most {MAX_CERTIFICATES - 1} intermediates.")
    return Chain(certificates[0], tuple(certificates[1:]))


def make_csr(key: str, subject: Subject) -> str:
    """A signing request (PEM) for the subject's domain, signed with `key`."""
    attributes = [
        (NameOID.COUNTRY_NAME, subject.country.upper()),
        (NameOID.STATE_OR_PROVINCE_NAME, subject.state),
        (NameOID.LOCALITY_NAME, subject.city),
        (NameOID.ORGANIZATION_NAME, subject.organization),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, subject.department),
        (NameOID.COMMON_NAME, subject.domain),
    ]
    return _csr(key, [(oid, value) for oid, value in attributes if value], [subject.domain])


def make_order_csr(key: str, domains: Sequence[str]) -> str:
    """A signing request (PEM) for an ACME order: every domain as an alternative name."""
    common = [(NameOID.COMMON_NAME, domains[0])] if len(domains[0]) <= COMMON_NAME_LIMIT else []
    return _csr(key, common, domains)


def _csr(key: str, attributes: Sequence[tuple[x509.ObjectIdentifier, str]], domains: Sequence[str]) -> str:
    signing = load_key(key)
    request = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(x509.Name([x509.NameAttribute(oid, value) for oid, value in attributes]))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name) for name in domains]), critical=False)
        .sign(signing, _digest(signing))
    )
    return request.public_bytes(serialization.Encoding.PEM).decode()


def _digest(key: SigningKey) -> hashes.SHA256 | None:
    # EdDSA keys sign without a separate digest.
    return None if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey) else hashes.SHA256()


def subject_errors(subject: Subject) -> dict[str, list[str]]:
    """What is wrong with a signing request's subject, by field (the domain is checked by the caller)."""
    errors: dict[str, list[str]] = {}
    if not COUNTRY.match(subject.country):
        errors["country"] = ["The country must be a two-letter ISO 3166 code, e.g. US."]
    for field in ("state", "city", "organization", "department"):
        value = getattr(subject, field)
        if value and (len(value) > SUBJECT_LIMIT or not LABEL.match(value)):
            errors[field] = [
                f"The {field} must be one line of at most {SUBJECT_LIMIT} characters, "
                'without ; & | $ ` < > \\ or ".'
            ]
    return errors


def certificate_names(certificate: x509.Certificate) -> tuple[str, ...]:
    """The DNS names a certificate is for: its subject alternative names, else its common name."""
    try:
        san = certificate.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except x509.ExtensionNotFound:
        common = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return tuple(str(attribute.value).lower() for attribute in common[:1])
    assert isinstance(san, x509.SubjectAlternativeName)
    return tuple(name.lower() for name in san.get_values_for_type(x509.DNSName))


def covers(names: Sequence[str], domain: str) -> bool:
    """Whether a certificate for `names` is valid for `domain`."""
    domain = domain.lower()
    parent = domain.partition(".")[2]
    return any(name == domain or (parent and name == f"*.{parent}") for name in names)


def key_matches(key: SigningKey, certificate: x509.Certificate) -> bool:
    def spki(public: object) -> bytes:
        assert hasattr(public, "public_bytes")
        data: bytes = public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return data

    return spki(key.public_key()) == spki(certificate.public_key())


def chain_errors(chain: Chain, key: SigningKey, domain: str, now: datetime) -> list[str]:
    """Why the certificate cannot serve `domain` with `key` (nothing when it can)."""
    errors: list[str] = []
    if not key_matches(key, chain.leaf):
        errors.append("The certificate does not match the private key.")
    if chain.leaf.not_valid_after_utc <= now:
        errors.append(f"The certificate expired on {chain.leaf.not_valid_after_utc:%Y-%m-%d %H:%M:%S} UTC.")
    elif chain.leaf.not_valid_before_utc > now:
        errors.append(
            f"The certificate is not valid before {chain.leaf.not_valid_before_utc:%Y-%m-%d %H:%M:%S} UTC."
        )
    if not covers(chain.names, domain):
        names = ", ".join(chain.names) or "no DNS name"
        errors.append(f"The certificate is for {names}, not for {domain}.")
    return errors
