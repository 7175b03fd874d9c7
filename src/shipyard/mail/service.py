"""E-mail from Shipyard: `send()` queues a message as a durable job, `deliver()` hands it to SMTP.

Any domain that e-mails someone (a monitor's state change, a failed deployment) calls `send()`
in its own transaction; the `mail.send` job delivers the message and retries when the SMTP
server cannot be reached. Without SHIPYARD_SMTP_HOST nothing is sent, and the job says so.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

import aiosmtplib
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.core.db import utcnow
from shipyard.core.settings import Settings, get_settings
from shipyard.core.validation import EMAIL
from shipyard.jobs import service as jobs
from shipyard.jobs.models import Job

PERMANENT_SMTP_CODE = 500


class MailNotConfigured(Exception):
    """No SMTP server is configured: the message was not sent."""


class MailRefused(Exception):
    """The SMTP server refused the message for good (a 5xx answer): retrying cannot help."""


class MailUnavailable(Exception):
    """The SMTP server could not be reached or asked to try later: a retry may succeed."""


def send(session: AsyncSession, to: str, subject: str, body: str) -> Job:
    """Queue a plain-text e-mail to one address, in the caller's transaction (an outbox)."""
    if not EMAIL.match(to):
        raise ValueError(f"not a single e-mail address: {to!r}")
    return jobs.enqueue(session, "mail.send", {"to": to, "subject": subject, "body": body})


def compose(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text (UTF-8) message from SHIPYARD_SMTP_FROM, with a Date and a Message-ID."""
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain=parseaddr(settings.smtp_from)[1].rpartition("@")[2] or None)
    message.set_content(body)
    return message


async def deliver(to: str, subject: str, body: str) -> str:
    """Send the message now through the configured SMTP server; returns the server's answer."""
    settings = get_settings()
    if not settings.smtp_host:
        raise MailNotConfigured(
            f"SMTP is not configured (SHIPYARD_SMTP_HOST is unset): no e-mail was sent to {to}."
        )
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    try:
        _, answer = await aiosmtplib.send(
            compose(settings, to, subject, body),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user,
            password=password,
            use_tls=settings.smtp_tls,
            start_tls=False if settings.smtp_tls else settings.smtp_starttls,
            timeout=30,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        codes = [refused.code for refused in exc.recipients]
        if all(code >= PERMANENT_SMTP_CODE for code in codes):
            raise MailRefused(f"{settings.smtp_host} refused the recipient {to}: {exc}") from exc
        raise MailUnavailable(f"{settings.smtp_host} deferred the recipient {to}: {exc}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        if exc.code >= PERMANENT_SMTP_CODE:
            raise MailRefused(f"{settings.smtp_host} refused the message: {exc.code} {exc.message}") from exc
        raise MailUnavailable(f"{settings.smtp_host} deferred the message: {exc.code} {exc.message}") from exc
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise MailUnavailable(f"could not send through {settings.smtp_host}: {exc}") from exc
    return answer
