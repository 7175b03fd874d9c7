"""Notification rules (owner only) and `announce()`: tell a project's notifications what happened.

`announce()` runs in the caller's transaction and only queues work: one `mail.send` job per
e-mail notification and one `releases.notifications.deliver` job per chat webhook. Each job
retries on its own, so a slow or broken destination never holds up a deployment, and nothing
is sent when the caller's change rolls back.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.db import utcnow
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.core.validation import EMAIL, LABEL, LABEL_RULE
from shipyard.jobs import service as jobs
from shipyard.mail import service as mail
from shipyard.notify.messages import Level, Message, email
from shipyard.notify.webhooks import is_webhook_url
from shipyard.releases.deployments.models import Deployment
from shipyard.releases.heartbeats.models import Heartbeat
from shipyard.releases.notifications import repository
from shipyard.releases.notifications.models import Notification
from shipyard.releases.notifications.schemas import FIELDS, NotificationCreate, NotificationUpdate
from shipyard.releases.projects import service as projects
from shipyard.releases.projects.models import Project

DELIVER_JOB = "releases.notifications.deliver"


class Event(StrEnum):
    DEPLOYMENT_FINISHED = "deployment_finished"
    DEPLOYMENT_FAILED = "deployment_failed"
    HEALTH_CHECK_FAILED = "health_check_failed"
    HEARTBEAT_MISSING = "heartbeat_missing"
    HEARTBEAT_HEALTHY = "heartbeat_healthy"
    MONITOR_FAILING = "monitor_failing"
    MONITOR_HEALTHY = "monitor_healthy"


def _destination(
    kind: str, given: dict[str, str | None]
) -> tuple[str | None, str | None, dict[str, list[str]]]:
    """(e-mail, webhook, errors) for a notification of `kind` from the request's fields."""
    field = FIELDS[kind]
    value = (given.get(field) or "").strip()
    if not value:
        return None, None, {field: [f"The {field} field is required for a {kind} notification."]}
    if kind == "email":
        if not EMAIL.match(value):
            return None, None, {field: ["The email address must be a valid e-mail address."]}
        return value, None, {}
    if not is_webhook_url(value):
        return None, None, {field: [f"The {field} must be an http:// or https:// URL with a host."]}
    return None, value, {}


async def create(
    session: AsyncSession, user: User, project_id: int, body: NotificationCreate
) -> Notification:
    project = await projects.get(session, user, project_id, owner_only=True)
    address, webhook, errors = _destination(body.type, body.model_dump())
    if not LABEL.match(body.name):
        errors["name"] = [LABEL_RULE]
    if errors:
        raise ValidationFailed(errors)
    notification = Notification(
        project_id=project.id, name=body.name, type=body.type, email=address, webhook=webhook, active=True
    )
    session.add(notification)
    await session.flush()
    return notification


async def all_of(session: AsyncSession, user: User, project_id: int) -> Sequence[Notification]:
    project = await projects.get(session, user, project_id, owner_only=True)
    return await repository.of_project(session, project.id)


async def get(session: AsyncSession, user: User, project_id: int, notification_id: int) -> Notification:
    project = await projects.get(session, user, project_id, owner_only=True)
    notification = await repository.one(session, project.id, notification_id)
    if notification is None:
        raise NotFound("notification")
    return notification


async def update(
    session: AsyncSession, user: User, project_id: int, notification_id: int, body: NotificationUpdate
) -> Notification:
    """Change what is given; a new type (or a new destination) must come with its field."""
    notification = await get(session, user, project_id, notification_id)
    errors: dict[str, list[str]] = {}
    if body.name is not None and not LABEL.match(body.name):
        errors["name"] = [LABEL_RULE]
    kind = body.type or notification.type
    given = body.model_dump()
    destination = None
    if (body.type is not None and body.type != notification.type) or given.get(FIELDS[kind]) is not None:
        address, webhook, wrong = _destination(kind, given)
        errors |= wrong
        destination = (address, webhook)
    if errors:
        raise ValidationFailed(errors)
    if body.name is not None:
        notification.name = body.name
    if destination is not None:
        notification.type = kind
        notification.email, notification.webhook = destination
    notification.updated_at = utcnow()
    await session.flush()
    return notification


async def delete(session: AsyncSession, user: User, project_id: int, notification_id: int) -> None:
    await session.delete(await get(session, user, project_id, notification_id))


def _deployment_facts(deployment: Deployment) -> tuple[tuple[str, str], ...]:
    facts = [
        ("Deployment", str(deployment.id)),
        ("Branch", deployment.commit_branch or deployment.reference),
        ("Commit", (deployment.commit_hash or "")[:7] or "-"),
        ("Author", deployment.commit_author or "-"),
        ("Release", deployment.release or "-"),
    ]
    if deployment.commit_message:
        facts.append(("Message", deployment.commit_message.splitlines()[0][:200]))
    return tuple(facts)


def message_for(
    project: Project,
    event: Event,
    *,
    deployment: Deployment | None = None,
    heartbeat: Heartbeat | None = None,
    reason: str | None = None,
) -> Message:
    """What `event` says about `project` (pure: the caller passes what it concerns)."""
    now = utcnow()
    name = project.name
    deployed = _deployment_facts(deployment) if deployment is not None else ()
    if event is Event.DEPLOYMENT_FINISHED:
        return Message(
            f"{name}: deployment finished",
            "The new release is live on every server.",
            Level.SUCCESS, now, deployed,
        )  # fmt: skip
    if event is Event.DEPLOYMENT_FAILED:
        return Message(
            f"{name}: deployment failed", reason or "The deployment failed.", Level.FAILURE, now, deployed
        )
    if event is Event.HEALTH_CHECK_FAILED:
        return Message(
            f"{name}: health check failed",
            reason or "The new release failed its health check.",
            Level.FAILURE, now, deployed,
        )  # fmt: skip
    if event in (Event.HEARTBEAT_MISSING, Event.HEARTBEAT_HEALTHY):
        assert heartbeat is not None
        last = (
            heartbeat.last_checked_in_at.isoformat(timespec="seconds")
            if heartbeat.last_checked_in_at
            else "never"
        )
        facts = (
            ("Heartbeat", heartbeat.name),
            ("Interval", f"{heartbeat.interval} minutes"),
            ("Last check-in", last),
        )
        if event is Event.HEARTBEAT_MISSING:
            return Message(
                f"{name}: heartbeat {heartbeat.name!r} is missing",
                f"It has not checked in within its interval of {heartbeat.interval} minutes.",
                Level.FAILURE, now, facts,
            )  # fmt: skip
        return Message(
            f"{name}: heartbeat {heartbeat.name!r} is healthy again",
            "It checked in again.", Level.SUCCESS, now, facts,
        )  # fmt: skip
    url = (("URL", project.monitor or "-"),)
    if event is Event.MONITOR_FAILING:
        return Message(
            f"{name}: monitor failing",
            reason or "The monitored URL does not answer.",
            Level.FAILURE,
            now,
            url,
        )
    return Message(f"{name}: monitor healthy", "The monitored URL answers again.", Level.SUCCESS, now, url)


async def announce(
    session: AsyncSession,
    project: Project,
    event: Event,
    *,
    deployment: Deployment | None = None,
    heartbeat: Heartbeat | None = None,
    reason: str | None = None,
) -> int:
    """Queue `event` to every active notification of the project, in the caller's transaction;
    returns how many were queued. Never sends anything itself."""
    message = message_for(project, event, deployment=deployment, heartbeat=heartbeat, reason=reason)
    queued = 0
    for notification in await repository.of_project(session, project.id):
        if not notification.active:
            continue
        if notification.type == "email" and notification.email:
            subject, body = email(message)
            mail.send(session, notification.email, subject, body)
        else:
            jobs.enqueue(
                session,
                DELIVER_JOB,
                {"notification_id": notification.id, "message": message.to_dict()},
                resource_key=f"notification:{notification.id}",
            )
        queued += 1
    return queued
