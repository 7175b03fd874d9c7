"""Secrets at rest: Fernet encryption with a key from the environment or the data directory, and
values sealed under a key only their owner knows (scrypt-derived, AES-256-GCM)."""

from __future__ import annotations

import base64
import json
import os
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

from shipyard.core.settings import get_settings


@lru_cache
def _key() -> bytes:
    """The process key: `SHIPYARD_SECRET_KEY`, else `<data>/secret.key`, created 0600 on first use."""
    settings = get_settings()
    if settings.secret_key:
        return settings.secret_key.encode()
    path = settings.data / "secret.key"
    if not path.exists():
        key = Fernet.generate_key()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key)
    return path.read_bytes().strip()


@lru_cache
def fernet() -> Fernet:
    return Fernet(_key())


def derive_key(purpose: str, length: int = 32) -> bytes:
    """Key material for `purpose`, derived from the process key (HKDF-SHA256): the same in every
    process that shares the key, and different for every purpose."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=purpose.encode()).derive(_key())


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError("a stored secret cannot be decrypted with this SHIPYARD_SECRET_KEY") from exc


class EncryptedString(TypeDecorator[str]):
    """A column whose plaintext only ever exists in memory; the database holds Fernet tokens."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return encrypt(value) if value is not None else None

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return decrypt(value) if value is not None else None


# scrypt cost: about 0.1 s and 32 MiB per derivation, so guessing a user's key offline is slow.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


class WrongKey(Exception):
    """A sealed value was opened with another key than the one it was sealed with."""


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def seal(plaintext: str, passphrase: str) -> str:
    """`plaintext` encrypted under a key derived from `passphrase`; the passphrase is not kept."""
    salt, nonce = os.urandom(16), os.urandom(12)
    key = _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    data = AESGCM(key).encrypt(nonce, plaintext.encode(), None)
    return json.dumps(
        {
            "kdf": "scrypt",
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": base64.b64encode(salt).decode(),
            "nonce": base64.b64encode(nonce).decode(),
            "data": base64.b64encode(data).decode(),
        }
    )


def unseal(sealed: str, passphrase: str) -> str:
    """The plaintext of `seal`'s output; raises WrongKey when `passphrase` is not the sealing one."""
    fields = json.loads(sealed)
    key = _derive(passphrase, base64.b64decode(fields["salt"]), fields["n"], fields["r"], fields["p"])
    try:
        plain = AESGCM(key).decrypt(base64.b64decode(fields["nonce"]), base64.b64decode(fields["data"]), None)
    except InvalidTag:
        raise WrongKey("the key does not open this value") from None
    return plain.decode()
