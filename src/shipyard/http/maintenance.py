"""Maintenance mode: while the flag is on, the API answers 503 (health and version still answer)."""

from __future__ import annotations

import json
import time

from starlette.types import ASGIApp, Receive, Scope, Send

from shipyard.core.db import get_sessionmaker
from shipyard.core.flags import MAINTENANCE, get_flag
from shipyard.core.settings import get_settings

MESSAGE = "Shipyard is offline for maintenance."


class MaintenanceMiddleware:
    """Reads the flag from the database at most every `maintenance_cache_seconds` per process."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._checked_at = float("-inf")
        self._on = False

    async def _is_on(self) -> bool:
        now = time.monotonic()
        if now - self._checked_at >= get_settings().maintenance_cache_seconds:
            async with get_sessionmaker()() as session:
                self._on = (await get_flag(session, MAINTENANCE)) is not None
            self._checked_at = now
        return self._on

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        exempt = not path.startswith("/api/") or path.startswith("/api/swagger")
        if scope["type"] != "http" or exempt or not await self._is_on():
            await self.app(scope, receive, send)
            return
        body = json.dumps({"message": MESSAGE, "code": "maintenance"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 503,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", b"60"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
