"""NUL characters are refused before routing: PostgreSQL cannot store them in text, and no name,
path or value Shipyard accepts contains one. A path with one names nothing (404); a query
parameter or JSON body field with one is a 422 on that field, on both databases alike."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.types import ASGIApp, Receive, Scope, Send

from shipyard.http.asgi import read_body, replay, send_json

NUL = "\x00"


def nul_field(data: Any, path: str = "") -> str | None:
    """The dotted path of the first key or string in `data` that holds a NUL, if any."""
    if isinstance(data, str):
        return (path or "body") if NUL in data else None
    if isinstance(data, dict):
        items: list[tuple[str, Any]] = [(str(key), value) for key, value in data.items()]
    elif isinstance(data, list):
        items = [(str(index), value) for index, value in enumerate(data)]
    else:
        return None
    for key, value in items:
        here = f"{path}.{key}" if path else key
        if NUL in key:
            return here
        found = nul_field(value, here)
        if found is not None:
            return found
    return None


def _refusal(field: str) -> dict[str, Any]:
    message = f"The {field} field must not contain NUL characters."
    return {"message": message, "errors": {field: [message]}}


class NulGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if NUL in scope["path"] or NUL in unquote(scope.get("raw_path", b"").decode("latin-1")):
            await send_json(send, 404, {"message": "Not Found."})
            return
        query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        field = nul_field(dict(reversed(query)))
        if field is not None:
            await send_json(send, 422, _refusal(field))
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type != b"application/json":
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        try:
            field = nul_field(json.loads(body))
        except ValueError:
            field = None  # not JSON: the router's own validation says so
        if field is not None:
            await send_json(send, 422, _refusal(field))
            return
        await self.app(scope, replay(body, receive), send)
