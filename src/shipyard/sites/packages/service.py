"""Composer packages authentication: `http-basic` credentials in `~/.config/composer/auth.json` of
the site user (mode 0600), read and written on the host within the request. The site user's other
auth.json entries (tokens of other kinds) stay as they are; passwords are never read back out.
For a site that is not isolated the file is the server user's, shared with its other sites."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.errors import ValidationFailed
from shipyard.core.validation import is_single_line
from shipyard.hostops.sites import render_read_file, render_write_file, site_alias
from shipyard.servers import service as servers
from shipyard.servers.models import Server
from shipyard.sites import service as sites
from shipyard.sites.models import Site
from shipyard.sites.packages.schemas import Credential

AUTH_MODE = "0600"
# User names of package repositories: names, e-mail addresses, `token`.
USERNAME = re.compile(r"^[A-Za-z0-9._@+-]{1,255}\Z")


def auth_path(site: Site) -> str:
    """The site user's composer auth.json."""
    return f"/home/{site.username}/.config/composer/auth.json"


def repository_host(value: str) -> str | None:
    """The host composer keys `http-basic` by: a bare host (`packages.laravel.com`) or an http(s) URL's."""
    candidate = value.strip()
    if "://" in candidate:
        try:
            parts = urlsplit(candidate)
            hostname = parts.hostname
        except ValueError:
            return None
        if parts.scheme not in ("http", "https") or not hostname:
            return None
        candidate = hostname
    return site_alias(candidate, wildcards=False)


async def _current(session: AsyncSession, user: User, site: Site, server: Server) -> dict[str, Any]:
    content = await sites.read(
        session,
        user,
        server,
        render_read_file(site.username, auth_path(site)),
        f"Reading auth.json of site {site.id}",
    )
    if not content or not content.strip():
        return {}
    try:
        parsed = json.loads(content)
    except ValueError as exc:
        raise servers.ActionFailed(
            f"{auth_path(site)} on the server is not valid JSON; fix or remove it first."
        ) from exc
    if not isinstance(parsed, dict):
        raise servers.ActionFailed(
            f"{auth_path(site)} on the server is not a JSON object; fix or remove it first."
        )
    return parsed


def usernames(auth: dict[str, Any]) -> dict[str, str]:
    """The `http-basic` hosts of an auth.json and their user names."""
    basic = auth.get("http-basic")
    if not isinstance(basic, dict):
        return {}
    return {
        str(host): str(entry.get("username", "")) for host, entry in basic.items() if isinstance(entry, dict)
    }


async def get(session: AsyncSession, user: User, server_id: int, site_id: int) -> dict[str, str]:
    """The hosts the site user's composer authenticates to, with their user names."""
    site, server = await sites.on_host(session, user, server_id, site_id, writing=False)
    return usernames(await _current(session, user, site, server))


def _validate(credentials: list[Credential]) -> dict[str, dict[str, str]]:
    errors, add = sites.collector()
    basic: dict[str, dict[str, str]] = {}
    for index, credential in enumerate(credentials):
        host = repository_host(credential.repository_url)
        if host is None:
            add(
                f"credentials.{index}.repository_url",
                "The repository URL must be a host name or an http(s) URL.",
            )
        if not USERNAME.match(credential.username):
            add(
                f"credentials.{index}.username",
                "The username must be letters, digits and . _ @ + - (at most 255).",
            )
        if not is_single_line(credential.password) or any(ord(char) < 32 for char in credential.password):
            add(f"credentials.{index}.password", "The password must be one line of text.")
        if host is not None:
            basic[host] = {"username": credential.username, "password": credential.password}
    if errors:
        raise ValidationFailed(errors)
    return basic


async def update(
    session: AsyncSession, user: User, server_id: int, site_id: int, credentials: list[Credential]
) -> dict[str, str]:
    """Make the `http-basic` credentials of the site user's auth.json exactly `credentials`."""
    basic = _validate(credentials)
    site, server = await sites.on_host(session, user, server_id, site_id, writing=True)
    auth = await _current(session, user, site, server)
    auth["http-basic"] = basic
    content = json.dumps(auth, indent=4) + "\n"
    description = f"Updating auth.json of site {site.id}"
    script = render_write_file(site.username, auth_path(site), content, AUTH_MODE, parents=True)
    result = await sites.run_on_host(session, user, server, script, description, record=True)
    if not result.ok:
        raise sites.host_failure(description, result)
    return usernames(auth)
