"""Which driver serves each of Forge's provider names, pointed at the API its setting names."""

from __future__ import annotations

from collections.abc import Mapping

from shipyard.core.settings import get_settings
from shipyard.providers.aws import Aws
from shipyard.providers.base import Driver
from shipyard.providers.digitalocean import DigitalOcean
from shipyard.providers.hetzner import Hetzner
from shipyard.providers.linode import Linode
from shipyard.providers.vultr import Vultr

LABELS = {
    "ocean2": DigitalOcean.label,
    "akamai": Linode.label,
    "vultr2": Vultr.label,
    "aws": Aws.label,
    "hetzner": Hetzner.label,
}


def driver(provider: str, secret: Mapping[str, str], *, region: str) -> Driver:
    """The driver for `provider` with a credential's decrypted secret (fields as in account.providers)."""
    settings = get_settings()
    if provider == "ocean2":
        return DigitalOcean(settings.digitalocean_url, secret["api_token"])
    if provider == "akamai":
        return Linode(settings.linode_url, secret["api_token"])
    if provider == "vultr2":
        return Vultr(settings.vultr_url, secret["api_token"])
    if provider == "hetzner":
        return Hetzner(settings.hetzner_url, secret["api_token"])
    if provider == "aws":
        return Aws(settings.aws_ec2_url, region, secret["key"], secret["secret"])
    raise LookupError(f"no driver for provider {provider!r}")
