"""Certificate checks made in Shipyard: keys, signing requests, and what makes a certificate usable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from shipyard.sites.certificates import pki
from shipyard.sites.certificates.service import certificate_domain

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def issue(
    key: pki.SigningKey, names: list[str], *, start: datetime = NOW - timedelta(days=1), days: int = 90
) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]) if names else x509.Name([])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test ca")]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=days))
    )
    if len(names) > 1:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(n) for n in names[1:]]), critical=False
        )
    return builder.sign(ec.generate_private_key(ec.SECP256R1()), hashes.SHA256())


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def key() -> pki.SigningKey:
    return pki.load_key(pki.new_key())


def test_a_matching_current_certificate_for_the_domain_is_usable(key: pki.SigningKey) -> None:
    chain = pki.load_chain(pem(issue(key, ["shop.test", "shop.test", "www.shop.test"])))
    assert chain.names == ("shop.test", "www.shop.test")
    assert pki.chain_errors(chain, key, "shop.test", NOW) == []
    assert pki.chain_errors(chain, key, "WWW.shop.test", NOW) == []


def test_a_certificate_for_another_key_or_name_or_time_is_not(key: pki.SigningKey) -> None:
    other = pki.load_key(pki.new_key())
    chain = pki.load_chain(pem(issue(other, ["shop.test", "shop.test"])))
    assert pki.chain_errors(chain, key, "shop.test", NOW) == [
        "The certificate does not match the private key."
    ]
    expired = pki.load_chain(pem(issue(key, ["shop.test", "shop.test"], start=NOW - timedelta(days=91))))
    assert pki.chain_errors(expired, key, "shop.test", NOW) == [
        "The certificate expired on 2026-11-22 12:00:00 UTC."
    ]
    future = pki.load_chain(pem(issue(key, ["shop.test", "shop.test"], start=NOW + timedelta(days=1))))
    assert pki.chain_errors(future, key, "shop.test", NOW) == [
        "The certificate is not valid before 2026-11-24 12:00:00 UTC."
    ]
    elsewhere = pki.load_chain(pem(issue(key, ["a.test", "a.test", "b.test"])))
    assert pki.chain_errors(elsewhere, key, "shop.test", NOW) == [
        "The certificate is for a.test, b.test, not for shop.test."
    ]


def test_names_come_from_the_alternative_names_else_the_common_name(key: pki.SigningKey) -> None:
    assert pki.certificate_names(issue(key, ["Legacy.Test"])) == ("legacy.test",)
    assert pki.certificate_names(issue(key, [])) == ()


@pytest.mark.parametrize(
    ("names", "domain", "covered"),
    [
        (["*.shop.test"], "a.shop.test", True),
        (["*.shop.test"], "shop.test", False),
        (["*.shop.test"], "a.b.shop.test", False),
        (["shop.test"], "shop.test", True),
        (["shop.test"], "www.shop.test", False),
    ],
)
def test_a_wildcard_covers_one_label(names: list[str], domain: str, covered: bool) -> None:
    assert pki.covers(names, domain) is covered


def test_garbage_and_encrypted_keys_are_refused() -> None:
    with pytest.raises(pki.PemError, match="not PEM"):
        pki.load_chain("garbage")
    with pytest.raises(pki.PemError, match="not a PEM private key"):
        pki.load_key("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    encrypted = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    )
    with pytest.raises(pki.PemError, match="encrypted"):
        pki.load_key(encrypted.decode())


def test_a_chain_keeps_its_intermediates_in_order(key: pki.SigningKey) -> None:
    leaf, first, second = (issue(key, [name]) for name in ("shop.test", "int-1", "int-2"))
    chain = pki.load_chain(pem(leaf) + "\n" + pem(first) + pem(second))
    assert chain.leaf == leaf and chain.intermediates == (first, second)
    assert pki.load_chain(chain.pem()) == chain
    with pytest.raises(pki.PemError, match="at most"):
        pki.load_chain(pem(leaf) * (pki.MAX_CERTIFICATES + 1))


def test_a_signing_request_carries_the_subject_and_the_key() -> None:
    key_pem = pki.new_key()
    subject = pki.Subject("shop.test", "us", "NY", "New York", "Company Name", "IT")
    csr = x509.load_pem_x509_csr(pki.make_csr(key_pem, subject).encode())
    assert csr.is_signature_valid
    values = {attribute.oid: attribute.value for attribute in csr.subject}
    assert values[NameOID.COUNTRY_NAME] == "US" and values[NameOID.COMMON_NAME] == "shop.test"
    assert values[NameOID.LOCALITY_NAME] == "New York" and values[NameOID.ORGANIZATIONAL_UNIT_NAME] == "IT"
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["shop.test"]
    assert pki.key_matches(pki.load_key(key_pem), issue(pki.load_key(key_pem), ["x"]))
    assert "BEGIN PRIVATE KEY" not in pki.make_csr(key_pem, subject)


def test_an_order_request_names_every_domain_and_long_names_only_there() -> None:
    long_name = ("a" * 60) + ".example.test"
    csr = x509.load_pem_x509_csr(pki.make_order_csr(pki.new_key(), [long_name, "b.test"]).encode())
    san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [long_name, "b.test"]
    assert list(csr.subject) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("country", "USA"),
        ("country", "1A"),
        ("state", "x; touch /tmp/p"),
        ("city", "a\nb"),
        ("organization", "o" * 65),
    ],
)
def test_subject_fields_are_checked(field: str, value: str) -> None:
    fields = {
        "domain": "shop.test",
        "country": "US",
        "state": "",
        "city": "",
        "organization": "",
        "department": "",
    }
    assert pki.subject_errors(pki.Subject(**fields)) == {}
    assert set(pki.subject_errors(pki.Subject(**{**fields, field: value}))) == {field}


def test_domains_to_certify() -> None:
    assert certificate_domain("Shop.Test") == "shop.test"
    assert certificate_domain("*.shop.test") == "*.shop.test"
    for bad in ("shop..test", "*.*.test", "a b.test", "x;y.test", "default"):
        assert certificate_domain(bad) is None
