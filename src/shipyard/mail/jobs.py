"""The job that delivers a queued e-mail, retried while the SMTP server cannot be reached."""

from __future__ import annotations

from typing import Any

from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import JobFailed, job
from shipyard.mail import service


@job("mail.send", timeout=120, max_attempts=5)
async def send(ctx: JobContext, to: str, subject: str, body: str) -> dict[str, Any]:
    """Deliver one message; a missing SMTP setting or a refusal fails the job at once, an
    unreachable SMTP server (MailUnavailable) is retried."""
    try:
        answer = await service.deliver(to, subject, body)
    except (service.MailNotConfigured, service.MailRefused) as exc:
        raise JobFailed(str(exc)) from exc
    await ctx.log(f"sent {subject!r} to {to}: {answer}")
    return {"sent": True, "to": to, "answer": answer}
