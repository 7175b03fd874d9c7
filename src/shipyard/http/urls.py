"""Shipyard's own URL as others reach it (in deploy URLs, webhooks, provisioning commands)."""

from __future__ import annotations

from fastapi import Request

from shipyard.core.settings import get_settings


def public_url(request: Request) -> str:
    """SHIPYARD_PUBLIC_URL when set, else the URL this request came to; without a trailing slash."""
    return (get_settings().public_url or str(request.base_url)).rstrip("/")
