"""Shipyard's ed25519 key for signing requests to extensions, derived from the secret key: the same
in every server process that shares `SHIPYARD_SECRET_KEY`, never stored."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shipyard.core.secrets import derive_key

PURPOSE = "shipyard ci extension signature ed25519"


def private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(derive_key(PURPOSE))


def public_key_pem() -> str:
    return (
        private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
