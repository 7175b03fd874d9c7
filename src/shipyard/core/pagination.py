"""Paging arithmetic and `Link` headers, shared by every list endpoint (no HTTP framework here)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Rewritten for each link; credentials in the query are never echoed back.
_PAGING_AND_SECRET_PARAMS = frozenset({"page", "start", "limit", "perPage", "token", "access_token"})


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a list the caller asked for; `offset` wins over `page` (GForge's `start`)."""

    page: int
    size: int
    offset: int
    size_param: str

    def link_header(self, url: str, total: int) -> str:
        """Forgejo's `Link`: first/prev/next/last, each the request URL with another page."""
        last = max(1, math.ceil(total / self.size))
        current = self.offset // self.size + 1
        rels: list[tuple[str, int]] = []
        if current > 1:
            rels += [("first", 1), ("prev", current - 1)]
        if current < last:
            rels += [("next", current + 1), ("last", last)]
        return ",".join(f'<{self._with_page(url, page)}>; rel="{rel}"' for rel, page in rels)

    def _with_page(self, url: str, page: int) -> str:
        parts = urlsplit(url)
        query = [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k not in _PAGING_AND_SECRET_PARAMS
        ]
        query += [("page", str(page)), (self.size_param, str(self.size))]
        return urlunsplit(parts._replace(query=urlencode(query)))
