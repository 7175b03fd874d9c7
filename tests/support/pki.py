"""Throw-away certificate authorities made in the tests with `cryptography`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID


def pem_of(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def key_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


@dataclass
class Authority:
    """A throw-away CA (optionally with an intermediate that signs its leaves)."""

    name: x509.Name
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    issuer_url: str | None = None  # the AIA caIssuers URL its leaves name

    @classmethod
    def root(cls, label: str) -> Authority:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"shipyard test {label}")])
        cert = (
            certificate_builder(name, name, key.public_key(), days=30)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(name, key, cert)

    def intermediate(self, issuer_url: str) -> Authority:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shipyard test intermediate")])
        cert = (
            certificate_builder(name, self.name, key.public_key(), days=30)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        return Authority(name, key, cert, issuer_url)

    def sign(self, public_key: Any, names: list[str], *, days: int = 30, ago: int = 0) -> x509.Certificate:
        builder = certificate_builder(
            x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]),
            self.name,
            public_key,
            days=days,
            ago=ago,
        ).add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
        if self.issuer_url:
            builder = builder.add_extension(
                x509.AuthorityInformationAccess(
                    [
                        x509.AccessDescription(
                            AuthorityInformationAccessOID.CA_ISSUERS,
                            x509.UniformResourceIdentifier(self.issuer_url),
                        )
                    ]
                ),
                critical=False,
            )
        return builder.sign(self.key, hashes.SHA256())

    def issue(self, names: list[str], **kwargs: int) -> tuple[str, str, x509.Certificate]:
        """A new key and a certificate for `names`: (key PEM, certificate PEM, certificate)."""
        key = rsa.generate_private_key(65537, 2048)
        cert = self.sign(key.public_key(), names, **kwargs)
        return key_pem(key), pem_of(cert), cert


def certificate_builder(
    subject: x509.Name, issuer: x509.Name, public_key: Any, *, days: int, ago: int = 0
) -> Any:
    start = datetime.now(UTC) - timedelta(days=ago, minutes=5)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
    )
