"""Secrets at rest: Fernet encryption with a key from the environment or the data directory."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
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
