"""Renderers for the server agents Forge installs: Blackfire (agent and PHP probe) and Papertrail.

Blackfire comes from Blackfire's apt repository, signed with their key, at the paths their
documentation uses; the agent's credentials travel in an uploaded file, never in the script.
Papertrail is rsyslog forwarding every message over UDP from one drop-in file.
"""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.core.script import Script
from shipyard.core.validation import (
    BLACKFIRE_SERVER_ID,
    BLACKFIRE_SERVER_TOKEN,
    host_and_port,
    is_single_line,
    join_host_port,
)
from shipyard.hostops.render import render_template, script

BLACKFIRE_KEYRING = "/usr/share/keyrings/blackfire-archive-keyring.asc"
BLACKFIRE_SOURCE = "/etc/apt/sources.list.d/blackfire.list"
BLACKFIRE_CONFIG = "/etc/blackfire/agent"
BLACKFIRE_SERVICE = "blackfire-agent.service"
BLACKFIRE_PACKAGES = ("blackfire", "blackfire-php")
# Blackfire's 1.x agent package, which `blackfire` replaced: removed along with it.
BLACKFIRE_LEGACY_PACKAGES = ("blackfire-agent",)
PAPERTRAIL_DROP_IN = "/etc/rsyslog.d/95-shipyard-papertrail.conf"


@dataclass(frozen=True)
class BlackfireSpec:
    """The agent's credentials and where its packages come from (a Shipyard setting)."""

    server_id: str
    server_token: str
    apt_url: str
    key_url: str

    def __post_init__(self) -> None:
        if not BLACKFIRE_SERVER_ID.match(self.server_id):
            raise ValueError("not a Blackfire server id")
        if not BLACKFIRE_SERVER_TOKEN.match(self.server_token):
            raise ValueError("not a Blackfire server token")
        for url in (self.apt_url, self.key_url):
            if not url.startswith(("http://", "https://")) or not is_single_line(url) or " " in url:
                raise ValueError(f"not a repository URL: {url!r}")


def render_blackfire_install(spec: BlackfireSpec) -> Script:
    """Add Blackfire's repository, install the agent and the PHP probe, configure and (re)start
    the agent, and wait until it keeps running. An unreachable repository fails with that reason."""
    return script(
        "blackfire-install",
        "blackfire_install.sh.j2",
        files={
            "agent": render_template("blackfire-agent.ini.j2", spec=spec),
            "blackfire.list": f"deb [signed-by={BLACKFIRE_KEYRING}] {spec.apt_url} any main\n",
        },
        secrets=(spec.server_token,),
        spec=spec,
        keyring=BLACKFIRE_KEYRING,
        source=BLACKFIRE_SOURCE,
        config=BLACKFIRE_CONFIG,
        service=BLACKFIRE_SERVICE,
        packages=BLACKFIRE_PACKAGES,
    )


def render_blackfire_remove() -> Script:
    """Stop the agent, purge the packages, and remove its configuration and the repository."""
    return script(
        "blackfire-remove",
        "blackfire_remove.sh.j2",
        keyring=BLACKFIRE_KEYRING,
        source=BLACKFIRE_SOURCE,
        config=BLACKFIRE_CONFIG,
        service=BLACKFIRE_SERVICE,
        packages=BLACKFIRE_PACKAGES + BLACKFIRE_LEGACY_PACKAGES,
    )


def render_papertrail_install(host: str, port: int) -> Script:
    """Install rsyslog if needed and forward every message to `host:port` over UDP."""
    destination = join_host_port(host, port)
    if host_and_port(destination, port) != (host, port):
        raise ValueError(f"not a syslog destination: {destination!r}")
    return script(
        "papertrail-install",
        "papertrail_install.sh.j2",
        files={"papertrail.conf": render_template("papertrail.conf.j2", host=host, port=port)},
        drop_in=PAPERTRAIL_DROP_IN,
        destination=destination,
    )


def render_papertrail_remove() -> Script:
    """Delete the forwarding drop-in and restart rsyslog (which stays installed)."""
    return script("papertrail-remove", "papertrail_remove.sh.j2", drop_in=PAPERTRAIL_DROP_IN)
