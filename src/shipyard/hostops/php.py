"""Renderers for PHP versions: install, patch update, OPcache on or off."""

from __future__ import annotations

from shipyard.core.script import Script
from shipyard.hostops import packages
from shipyard.hostops.render import script


def render_install(version: str) -> Script:
    """Install PHP `version` (the distribution's, e.g. "8.2") with FPM and the usual extensions."""
    return script(
        "php-install", "php_install.sh.j2", version=version, packages=packages.php_packages(version)
    )


def render_update(version: str) -> Script:
    """Upgrade the installed packages of PHP `version` to the newest patch release."""
    return script("php-update", "php_update.sh.j2", version=version, idempotent=False)


def render_opcache(version: str, enabled: bool) -> Script:
    return script("php-opcache", "php_opcache.sh.j2", version=version, enabled=enabled)
