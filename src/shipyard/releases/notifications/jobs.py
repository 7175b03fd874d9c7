"""The job that POSTs one message to one chat webhook, retried with the worker's back-off."""

from __future__ import annotations

from typing import Any

from shipyard.core.db import get_sessionmaker
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.notify.messages import Channel, Message, payload
from shipyard.notify.webhooks import masked, post
from shipyard.releases.notifications import repository

ATTEMPTS = 5


@job("releases.notifications.deliver", timeout=60, max_attempts=ATTEMPTS)
async def deliver(ctx: JobContext, notification_id: int, message: dict[str, Any]) -> dict[str, Any]:
    """POST the message in the notification's chat format to its webhook (read from the database,
    where it is encrypted: never a job argument). A notification deleted meanwhile is skipped;
    an unreachable webhook or a non-2xx answer raises, and the worker retries."""
    async with get_sessionmaker()() as session:
        notification = await repository.by_id(session, notification_id)
    if notification is None or not notification.webhook or not notification.active:
        await ctx.log(f"notification {notification_id} is gone or inactive: nothing sent")
        return {"sent": False}
    body = payload(Channel(notification.type), Message.from_dict(message))
    status = await post(notification.webhook, body)
    await ctx.log(f"delivered to {masked(notification.webhook)}: {status}")
    return {"sent": True, "status_code": status}
