"""Envoyer's notification endpoints: `/api/projects/{project_id}/notifications` (owner only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shipyard.audit import service as audit
from shipyard.auth.dependencies import Authenticator, Principal
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.notify.webhooks import masked
from shipyard.releases.notifications import service
from shipyard.releases.notifications.models import Notification
from shipyard.releases.notifications.schemas import (
    NotificationCreate,
    NotificationEnvelope,
    NotificationList,
    NotificationRead,
    NotificationUpdate,
)

router = APIRouter(prefix="/api/projects/{project_id}/notifications", tags=["notifications"])

NotificationsPrincipal = Annotated[Principal, Depends(Authenticator("notifications"))]


def notification_read(notification: Notification) -> NotificationRead:
    if notification.type == "email":
        options = {"email": notification.email or ""}
    else:
        options = {"webhook": masked(notification.webhook or "")}
    return NotificationRead(
        id=notification.id,
        project_id=notification.project_id,
        name=notification.name,
        type=notification.type,
        options=options,
        active=int(notification.active),
        created_at=notification.created_at,
        updated_at=notification.updated_at,
    )


@router.get("", response_model=NotificationList)
async def list_notifications(
    project_id: ResourceId, principal: NotificationsPrincipal, session: DbSession
) -> NotificationList:
    notifications = await service.all_of(session, principal.user, project_id)
    return NotificationList(notifications=[notification_read(n) for n in notifications])


@router.post("", response_model=NotificationList)
async def create_notification(
    project_id: ResourceId, body: NotificationCreate, principal: NotificationsPrincipal, session: DbSession
) -> NotificationList:
    """Announce the project's deployments, heartbeats and monitor to an e-mail address or a
    Slack, Discord or Microsoft Teams webhook; answers with every notification of the project."""
    notification = await service.create(session, principal.user, project_id, body)
    audit.record(
        session, principal.actor, "project.notification.create", subject=f"notification:{notification.id}"
    )
    notifications = await service.all_of(session, principal.user, project_id)
    return NotificationList(notifications=[notification_read(n) for n in notifications])


@router.get("/{notification_id}", response_model=NotificationEnvelope)
async def get_notification(
    project_id: ResourceId, notification_id: ResourceId, principal: NotificationsPrincipal, session: DbSession
) -> NotificationEnvelope:
    notification = await service.get(session, principal.user, project_id, notification_id)
    return NotificationEnvelope(notification=notification_read(notification))


@router.put("/{notification_id}", response_model=NotificationEnvelope)
async def update_notification(
    project_id: ResourceId,
    notification_id: ResourceId,
    body: NotificationUpdate,
    principal: NotificationsPrincipal,
    session: DbSession,
) -> NotificationEnvelope:
    notification = await service.update(session, principal.user, project_id, notification_id, body)
    audit.record(
        session, principal.actor, "project.notification.update", subject=f"notification:{notification_id}"
    )
    return NotificationEnvelope(notification=notification_read(notification))


@router.delete("/{notification_id}", status_code=204)
async def delete_notification(
    project_id: ResourceId, notification_id: ResourceId, principal: NotificationsPrincipal, session: DbSession
) -> None:
    await service.delete(session, principal.user, project_id, notification_id)
    audit.record(
        session, principal.actor, "project.notification.delete", subject=f"notification:{notification_id}"
    )
