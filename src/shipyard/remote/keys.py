"""SSH key material: generating Shipyard's identity and checking keys users give us."""

from __future__ import annotations

from dataclasses import dataclass

import asyncssh


@dataclass(frozen=True)
class KeyPair:
    private_openssh: str
    public_openssh: str


def generate_keypair(comment: str) -> KeyPair:
    key = asyncssh.generate_private_key("ssh-ed25519", comment=comment)
    return KeyPair(key.export_private_key().decode(), key.export_public_key().decode().strip())


def is_private_key(text: str) -> bool:
    try:
        asyncssh.import_private_key(text)
    except (asyncssh.KeyImportError, ValueError):
        return False
    return True


def is_public_key(text: str) -> bool:
    try:
        asyncssh.import_public_key(text)
    except (asyncssh.KeyImportError, ValueError):
        return False
    return True
