"""Forge's nginx site templates: the default one and the `{{ VARIABLE }}` substitution.

Variables are written `{{ NAME }}` (spaces optional), as in Forge. Nginx's own `$variables`
and braces pass through untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

VARIABLE = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")

# What each variable stands for, as Forge documents it.
VARIABLES: dict[str, str] = {
    "DIRECTORY": "the site's web directory, e.g. /public",
    "DOMAINS": "the site's domain and aliases, e.g. example.com www.example.com",
    "PATH": "the site's web-accessible directory, e.g. /home/forge/example.com/public",
    "PORT": "the IPv4 listen port, e.g. 80",
    "PORT_V6": "the IPv6 listen address, e.g. [::]:80",
    "PROXY_PASS": "the PHP-FPM socket, e.g. unix:/var/run/php/php8.2-fpm.sock",
    "ROOT_PATH": "the site's root directory, e.g. /home/forge/example.com",
    "SERVER_PUBLIC_IP": "the server's public IP address",
    "SERVER_PRIVATE_IP": "the server's private IP address",
    "SITE": "the site's domain, e.g. example.com",
    "SITE_ID": "the site's id",
    "USER": "the user the site runs as, e.g. forge",
}

DEFAULT_NAME = "Forge Default"


@lru_cache
def default_template() -> str:
    """The nginx configuration a site gets when it names no template."""
    return files("shipyard.hostops").joinpath("templates/nginx/site-default.conf").read_text()


def unknown_variables(content: str) -> list[str]:
    """The `{{ NAME }}` placeholders in `content` that are not Forge variables, in order, once each."""
    seen: dict[str, None] = {}
    for name in VARIABLE.findall(content):
        if name not in VARIABLES:
            seen.setdefault(name, None)
    return list(seen)


@dataclass(frozen=True)
class SiteValues:
    """What a site contributes to its nginx configuration."""

    site_id: int
    domain: str
    aliases: tuple[str, ...]
    user: str
    root_path: str
    directory: str
    php_socket: str
    public_ip: str
    private_ip: str
    port: int = 80

    def variables(self) -> dict[str, str]:
        web = self.directory if self.directory.startswith("/") else f"/{self.directory}"
        return {
            "DIRECTORY": web,
            "DOMAINS": " ".join((self.domain, *self.aliases)),
            "PATH": self.root_path.rstrip("/") + (web if web != "/" else ""),
            "PORT": str(self.port),
            "PORT_V6": f"[::]:{self.port}",
            "PROXY_PASS": f"unix:{self.php_socket}",
            "ROOT_PATH": self.root_path,
            "SERVER_PUBLIC_IP": self.public_ip,
            "SERVER_PRIVATE_IP": self.private_ip or self.public_ip,
            "SITE": self.domain,
            "SITE_ID": str(self.site_id),
            "USER": self.user,
        }


def substitute(content: str, values: SiteValues) -> str:
    """`content` with every Forge variable replaced by the site's value (unknown ones are left)."""
    mapping = values.variables()
    return VARIABLE.sub(lambda match: mapping.get(match.group(1), match.group(0)), content)
