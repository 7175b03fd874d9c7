"""The five fake cloud provider APIs together: their credentials and the environment that points
a Shipyard at them (the fakes themselves are in tests/support/fakes/)."""

from __future__ import annotations

import secrets

from tests.support.fakes.aws import FakeAws
from tests.support.fakes.base import FakeCloud
from tests.support.fakes.digitalocean import FakeDigitalOcean
from tests.support.fakes.hetzner import FakeHetzner
from tests.support.fakes.linode import FakeLinode
from tests.support.fakes.vultr import FakeVultr
from tests.support.hosts import HostPool
from tests.support.templates import provisioned_template

TOKEN = "tok-" + secrets.token_hex(16)
AWS_KEY, AWS_SECRET = "AKIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30)
CREDENTIALS = {
    "ocean2": {"api_token": TOKEN},
    "akamai": {"api_token": TOKEN},
    "vultr2": {"api_token": TOKEN},
    "hetzner": {"api_token": TOKEN},
    "aws": {"key": AWS_KEY, "secret": AWS_SECRET},
}


def start_clouds(hosts: HostPool) -> dict[str, FakeCloud]:
    """Every provider's fake, started, keyed by Forge's provider name. Their machines are hosts
    booted from the pre-provisioned template disk (tests/support/templates.py): provisioning one
    through Shipyard still runs in full, and converges in seconds instead of installing for a
    minute; the provisioning of a bare host is tested in tests/e2e/test_servers.py."""
    fakes: dict[str, FakeCloud] = {
        "ocean2": FakeDigitalOcean(hosts, TOKEN),
        "akamai": FakeLinode(hosts, TOKEN),
        "vultr2": FakeVultr(hosts, TOKEN),
        "hetzner": FakeHetzner(hosts, TOKEN),
        "aws": FakeAws(hosts, AWS_KEY, AWS_SECRET),
    }
    template = provisioned_template(hosts)
    for fake in fakes.values():
        fake.boot_template = template
        fake.start()
    return fakes


def cloud_env(clouds: dict[str, FakeCloud], **extra: str) -> dict[str, str]:
    """A Shipyard's environment with every provider's API at its fake, polled quickly."""
    return {
        "SHIPYARD_DIGITALOCEAN_URL": clouds["ocean2"].url,
        "SHIPYARD_LINODE_URL": clouds["akamai"].url,
        "SHIPYARD_VULTR_URL": clouds["vultr2"].url,
        "SHIPYARD_HETZNER_URL": clouds["hetzner"].url,
        "SHIPYARD_AWS_EC2_URL": clouds["aws"].url,
        "SHIPYARD_MACHINE_POLL_SECONDS": "0.5",
        "SHIPYARD_MACHINE_ADDRESS_TIMEOUT": "180",
        "SHIPYARD_MACHINE_SSH_TIMEOUT": "180",
        **extra,
    }
