"""A real HTTP receiver for chat webhooks: a threaded http.server on loopback, per test.

It keeps every POST (path, headers, JSON body) and answers 200, or 500 to the first `fail_first`
requests of a path (to see deliveries retried). A GET is answered with the status `answer()`
set for its path (200 by default): a URL for a monitor to check.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support.postgres import free_port


@dataclass(frozen=True)
class Delivery:
    path: str
    headers: dict[str, str]  # names in lower case
    body: Any


class WebhookReceiver:
    def __init__(self) -> None:
        self.port = free_port()
        self.deliveries: list[Delivery] = []
        self.attempts: Counter[str] = Counter()
        self.failing: dict[str, int] = {}
        self.statuses: dict[str, int] = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.attempts[self.path] += 1
                    fail = receiver.attempts[self.path] <= receiver.failing.get(self.path, 0)
                    if not fail:
                        receiver.deliveries.append(
                            Delivery(
                                self.path,
                                {k.lower(): v for k, v in self.headers.items()},
                                json.loads(raw or b"null"),
                            )
                        )
                self.send_response(500 if fail else 200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def do_GET(self) -> None:
                with receiver._lock:
                    status = receiver.statuses.get(self.path, 200)
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fail_first(self, path: str, count: int) -> None:
        """Answer 500 to the first `count` POSTs to `path`."""
        with self._lock:
            self.failing[path] = count

    def answer(self, path: str, status: int) -> None:
        """Answer GETs of `path` with `status` from now on."""
        with self._lock:
            self.statuses[path] = status

    def to(self, path: str) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.path == path]

    def wait_for(self, path: str, count: int, timeout: float = 60) -> list[Delivery]:
        """The first `count` deliveries to `path`, waiting for them to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(path)
            if len(found) >= count:
                return found[:count]
            time.sleep(0.1)
        raise AssertionError(f"timed out after {timeout:g}s waiting for {count} webhook(s) to {path}")

    def start(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
