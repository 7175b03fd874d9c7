"""GForge's output formats: `?format=xml` or `Accept: application/xml` turn a JSON GET answer into XML."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree as ET

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*\Z")
XML_TYPES = ("application/xml", "text/xml")


def wants_xml(scope: Scope) -> bool:
    """The query's `format` wins over the Accept header; JSON is the default."""
    raw_query: bytes = scope.get("query_string", b"")
    query = parse_qs(raw_query.decode("latin-1"))
    if "format" in query:
        return query["format"][-1].lower() == "xml"
    raw_accept: bytes = dict(scope["headers"]).get(b"accept", b"")
    accept = raw_accept.decode("latin-1").lower()
    ranked = [part.split(";")[0].strip() for part in accept.split(",")]
    for media in ranked:
        if media in XML_TYPES:
            return True
        if media in ("application/json", "*/*", "application/*"):
            return False
    return False


def _element(tag: str, value: Any) -> ET.Element:
    if _NAME.match(tag) and not tag.lower().startswith("xml"):
        element = ET.Element(tag)
    else:
        element = ET.Element("field", name=tag)
    if isinstance(value, dict):
        element.extend(_element(str(k), v) for k, v in value.items())
    elif isinstance(value, list):
        element.set("type", "list")
        element.extend(_element("item", v) for v in value)
    elif value is None:
        element.set("nil", "true")
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = str(value)
    return element


def to_xml(data: Any) -> bytes:
    document: bytes = ET.tostring(_element("response", data), encoding="utf-8", xml_declaration=True)
    return document


class XmlFormatMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not wants_xml(scope):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            is_json = dict(start["headers"]).get(b"content-type", b"").startswith(b"application/json")
            if not is_json:
                await send(start)
                start = {"type": "done"}
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = to_xml(json.loads(b"".join(chunks) or b"null"))
            headers = [(k, v) for k, v in start["headers"] if k not in (b"content-type", b"content-length")]
            headers += [
                (b"content-type", b"application/xml; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ]
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)
