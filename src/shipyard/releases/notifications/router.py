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
from shipyard.releases.routes import add_delete, add_list_and_get

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


add_list_and_get(
    router, key="notification", plural="notifications", scope="notifications", read=notification_read,
    envelope_model=NotificationEnvelope, list_model=NotificationList, all_of=service.all_of,
    get=service.get,
)  # fmt: skip


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


add_delete(router, key="notification", scope="notifications", delete=service.delete)
