"""Form-encoded bodies, as the Forge and Envoyer PHP SDKs send them, become JSON before routing.

`tags[0]=a&tags[1]=b` and `tags[]=a` become lists, `a[b]=c` objects; values stay strings and
Pydantic's lax mode turns `1`/`0` into booleans and numbers. An empty body on a write becomes
`{}`, because the SDKs POST `Content-Type: application/json` with nothing in it.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from shipyard.http.asgi import read_body, replay, send_json

FORM = "application/x-www-form-urlencoded"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


class FormBodyError(ValueError):
    pass


def _insert(container: dict[str, Any], path: list[str], value: str) -> None:
    node: Any = container
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        following_is_index = not last and (path[depth + 1] == "" or path[depth + 1].isdigit())
        empty: Any = [] if following_is_index else {}
        if isinstance(node, list):
            if part == "":
                node.append(value if last else empty)
                node = node[-1]
                continue
            if not part.isdigit():
                raise FormBodyError("mixed list and object keys")
            index = int(part)
            if index > len(node) + 1000:
                raise FormBodyError("list index out of range")
            while len(node) <= index:
                node.append(None)
            if last:
                node[index] = value
            elif node[index] is None:
                node[index] = empty
            node = node[index]
        else:
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, empty)


def form_to_data(body: bytes) -> dict[str, Any]:
    """Decode a urlencoded body with PHP's bracket conventions into nested dicts and lists."""
    data: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
        match = _KEY.match(key)
        if not match:
            raise FormBodyError(f"malformed field name {key!r}")
        path = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
        _insert(data, path, value)
    compacted: dict[str, Any] = _compact(data)
    return compacted


def _compact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_compact(v) for v in value if v is not None]
    return value


class FormBodyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
        if content_type not in (FORM, "application/json", ""):
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        if content_type == FORM:
            try:
                body = json.dumps(form_to_data(body)).encode()
            except (FormBodyError, UnicodeDecodeError) as exc:
                await _bad_form(send, str(exc))
                return
        elif body.strip() == b"":
            body = b"{}"
        else:
            await self.app(scope, replay(body, receive), send)
            return
        new_headers = [(k, v) for k, v in scope["headers"] if k not in (b"content-type", b"content-length")]
        new_headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await self.app(dict(scope, headers=new_headers), replay(body, receive), send)


async def _bad_form(send: Send, reason: str) -> None:
    message = f"The form body is malformed: {reason}."
    await send_json(send, 422, {"message": message, "errors": {"body": [message]}})
