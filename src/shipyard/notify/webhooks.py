"""POSTing a payload to a chat webhook, and what a webhook URL must look like."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from shipyard import __version__

TIMEOUT_SECONDS = 10
MAX_URL_LENGTH = 2048


class DeliveryFailed(Exception):
    """The webhook could not be reached or did not answer 2xx."""


def is_webhook_url(url: str) -> bool:
    """An http(s) URL with a host and no whitespace. Any host is accepted, loopback and private
    addresses included (a self-hosted chat or a test receiver): README says so."""
    if len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 32 for c in url):
        return False
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and port_ok


def masked(url: str) -> str:
    """The URL as shown once stored: scheme, host and port, then only its last four characters
    (a chat webhook's path is its credential)."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname}{port}/…{url[-4:]}"


async def post(url: str, body: dict[str, Any]) -> int:
    """POST `body` as JSON (no redirects followed); the status code of a 2xx answer."""
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = await client.post(url, json=body, headers={"User-Agent": f"Shipyard/{__version__}"})
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        detail = str(exc).replace(url, masked(url))
        raise DeliveryFailed(f"could not POST to {masked(url)}: {type(exc).__name__}: {detail}") from exc
    if not response.is_success:
        raise DeliveryFailed(f"{masked(url)} answered {response.status_code}: {response.text[:200]}")
    return response.status_code
