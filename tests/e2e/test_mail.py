"""Shipyard's e-mail: a durable `mail.send` job per message, delivered to a real SMTP server
(aiosmtpd on loopback), retried while that server is down, and never pretended without one."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
import pytest

from tests.conftest import BACKENDS, ServerFactory, smtp_env
from tests.support.api import admin
from tests.support.forge import wait_until
from tests.support.server import ShipyardServer
from tests.support.smtp import MailSink

FINISHED = ("succeeded", "failed", "cancelled")


def enqueue_mail(server: ShipyardServer, to: str, subject: str, body: str) -> int:
    args = json.dumps({"to": to, "subject": subject, "body": body})
    return int(server.cli("jobs", "enqueue", "mail.send", "--args", args).stdout.strip())


def job_of(server: ShipyardServer, job_id: int) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/api/v1/admin/jobs/{job_id}", headers=admin(server).headers())
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


def test_without_smtp_no_mail_is_pretended(start_server: ServerFactory) -> None:
    server = start_server("sqlite")
    job_id = enqueue_mail(server, "ops@example.test", "hello", "body")
    job = wait_until(lambda: (j := job_of(server, job_id))["status"] in FINISHED and j, 60, "the mail job")
    assert job["status"] == "failed" and job["attempts"] == 1, job
    assert (
        "SMTP is not configured" in job["error"] and "no e-mail was sent to ops@example.test" in job["error"]
    )
    assert any("no e-mail was sent" in line["line"] for line in job["logs"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_mail_is_retried_until_the_smtp_server_answers(start_server: ServerFactory, backend: str) -> None:
    sink = MailSink()  # its port is known, but nothing listens there yet
    server = start_server(backend, smtp_env(sink))
    to = f"ops-{secrets.token_hex(4)}@example.test"
    job_id = enqueue_mail(server, to, "Deployment failed", "Line one.\nLine two: ünïcode.\n")
    failed_once = wait_until(
        lambda: (j := job_of(server, job_id))["error"] and j, 60, "the first attempt to fail", every=0.2
    )
    assert "could not send through 127.0.0.1" in failed_once["error"], failed_once
    sink.start()
    try:
        job = wait_until(lambda: (j := job_of(server, job_id))["status"] in FINISHED and j, 120, "delivery")
        assert job["status"] == "succeeded" and job["attempts"] >= 2, job
        assert job["result"]["sent"] is True and job["result"]["to"] == to
        [mail] = sink.wait_for(to, 1)
        assert mail.subject == "Deployment failed" and mail.recipients == [to]
        assert mail.body == "Line one.\nLine two: ünïcode.\n"
        assert mail.message["Message-ID"] and mail.message["Date"]

        # A recipient the server refuses for good: failed at once, not retried.
        refused = enqueue_mail(server, "nobody@example.test", "x", "y")
        job = wait_until(lambda: (j := job_of(server, refused))["status"] in FINISHED and j, 60, "refusal")
        assert job["status"] == "failed" and job["attempts"] == 1, job
        assert "refused the recipient nobody@example.test" in job["error"]
    finally:
        sink.stop()
