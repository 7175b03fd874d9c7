"""Renderers for SSH keys: a line in a user's `authorized_keys`, below the marker `# shipyard-key-<id>`.

The marker makes the line Shipyard's: removing the key removes the marker and the line under it
and nothing else, even when the same key is also authorized by a line Shipyard did not write.
The file is edited as its user (runuser), so a link in that user's home cannot redirect root.
"""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.core.script import Script
from shipyard.core.validation import OPENSSH_PUBLIC_KEY, UNIX_USER
from shipyard.hostops.render import script


@dataclass(frozen=True)
class KeySpec:
    id: int
    username: str
    key: str  # one OpenSSH public key line

    def __post_init__(self) -> None:
        # The service validated these already; a renderer never trusts its input.
        if not UNIX_USER.match(self.username) or not OPENSSH_PUBLIC_KEY.match(self.key):
            raise ValueError(f"not a valid SSH key spec for key {self.id}")

    @property
    def marker(self) -> str:
        return f"# shipyard-key-{self.id}"


def render_install(spec: KeySpec) -> Script:
    """Append the marker and the key unless both are there; fails when the user does not exist."""
    return script("key-install", "keys_install.sh.j2", files={"key.pub": spec.key + "\n"}, spec=spec)


def render_remove(spec: KeySpec) -> Script:
    return script("key-remove", "keys_remove.sh.j2", files={"key.pub": spec.key + "\n"}, spec=spec)
