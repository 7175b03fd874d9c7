"""The server providers Forge names, and what each one's credential must contain."""

from __future__ import annotations

PROVIDER_SECRETS: dict[str, tuple[str, ...]] = {
    "ocean2": ("api_token",),
    "akamai": ("api_token",),
    "vultr2": ("api_token",),
    "hetzner": ("api_token",),
    "aws": ("key", "secret"),
}

# The `connected_to_*` flag of Forge's user object that a credential of each provider sets.
CONNECTED_FLAG = {
    "ocean2": "connected_to_digitalocean",
    "akamai": "connected_to_linode",
    "vultr2": "connected_to_vultr",
    "aws": "connected_to_aws",
    "hetzner": "connected_to_hetzner",
}
