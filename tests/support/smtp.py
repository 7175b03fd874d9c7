"""A real SMTP server for the tests: aiosmtpd in a thread on a loopback port, keeping every message."""

from __future__ import annotations

import email
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.postgres import free_port

REFUSED_PREFIX = "nobody@"  # recipients the sink refuses for good (550)


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None, self.message
        content = str(part.get_content())  # type: ignore[attr-defined]
        return content.replace("\r\n", "\n")  # SMTP carries CRLF line ends


class MailSink:
    """Accepts mail on 127.0.0.1:`port` once started; refuses recipients starting with `nobody@`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.startswith(REFUSED_PREFIX):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.original_content, policy=default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if address in m.recipients]

    def wait_for(self, address: str, count: int, timeout: float = 60) -> list[Received]:
        """The first `count` messages to `address`, waiting for them to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found[:count]
            time.sleep(0.2)
        raise AssertionError(f"timed out after {timeout:g}s waiting for {count} e-mail(s) to {address}")
