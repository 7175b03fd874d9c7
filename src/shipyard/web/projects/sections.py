"""The resource sections of a project's page (servers, hooks, linked folders, heartbeats,
collaborators, notifications), each over its resource's service, as the API's routers call them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.audit import service as audit
from shipyard.core.errors import ValidationFailed
from shipyard.core.settings import get_settings
from shipyard.notify.webhooks import masked
from shipyard.releases.actions.catalogue import ACTIONS, BY_ID
from shipyard.releases.collaborators import service as collaborators
from shipyard.releases.heartbeats import service as heartbeats
from shipyard.releases.heartbeats.schemas import INTERVALS, HeartbeatCreate
from shipyard.releases.hooks import service as hooks
from shipyard.releases.hooks.schemas import HookCreate, HookUpdate
from shipyard.releases.notifications import service as notifications
from shipyard.releases.notifications.schemas import FIELDS, NotificationCreate
from shipyard.releases.projects import service as projects
from shipyard.releases.projects.schemas import Folder
from shipyard.releases.servers import service as project_servers
from shipyard.releases.servers.schemas import PHP_VERSIONS, ServerCreate, ServerUpdate
from shipyard.web.context import Visitor
from shipyard.web.sections import Action, Column, Input, Section, by_key, code
from shipyard.web.templating import reltime, status_badge

CONNECTION = {"successful": "ok", "failed": "bad"}


def _audit(visitor: Visitor, session: AsyncSession, action: str, subject: str) -> None:
    audit.record(session, visitor.actor, action, subject=subject)


# Servers: attached by address, reached as `connect_as` with the project's key.


def connection(server: Any) -> Markup:
    """The last connection check: its outcome, and the reason when it failed."""
    kind = CONNECTION.get(server.connection_status, "neutral")
    badge = Markup('<span class="badge badge-{}">{}</span>').format(kind, server.connection_status)
    if server.connection_error:
        return badge + Markup(' <span class="field-error">{}</span>').format(server.connection_error)
    return badge


async def _servers(session: AsyncSession, visitor: Visitor, project_id: int) -> Sequence[Any]:
    return await project_servers.all_of(session, visitor.user, project_id)


def _server_flags(visitor: Visitor) -> dict[str, bool]:
    """The server form's checkboxes (an unticked one is absent from the form)."""
    return {name: visitor.text(name) == "1" for name in ("receivesCodeDeployments", "restartFpm")}


async def _attach_server(session: AsyncSession, visitor: Visitor, project_id: int) -> str:
    body = visitor.model(ServerCreate, **_server_flags(visitor))
    server = await project_servers.create(session, visitor.user, project_id, body)
    _audit(visitor, session, "project.server.create", f"project_server:{server.id}")
    return (
        f"Attached {server.name}. Add the project's public key to {server.connect_as}'s "
        "authorized_keys there, then check the connection."
    )


async def _refresh_server(session: AsyncSession, visitor: Visitor, project_id: int, server_id: int) -> str:
    server = await project_servers.refresh(session, visitor.user, project_id, server_id)
    if server.connection_status == "successful":
        return f"Connected to {server.name}."
    return f"Could not connect to {server.name}: the reason is in its row."


async def _update_server(session: AsyncSession, visitor: Visitor, project_id: int, server_id: int) -> str:
    body = visitor.model(ServerUpdate, **_server_flags(visitor))
    server = await project_servers.update(session, visitor.user, project_id, server_id, body)
    _audit(visitor, session, "project.server.update", f"project_server:{server.id}")
    return f"Saved {server.name}: check the connection if its address or user changed."


def _server_values(server: Any) -> dict[str, Any]:
    """A server as its form's values."""
    return {
        "name": server.name,
        "host": server.host,
        "port": str(server.port),
        "connectAs": server.connect_as,
        "phpVersion": server.php_version,
        "deploymentPath": server.deployment_path,
        "composerPath": server.composer_path,
        "receivesCodeDeployments": "1" if server.receives_code_deployments else "",
        "restartFpm": "1" if server.should_restart_fpm else "",
    }


async def _detach_server(session: AsyncSession, visitor: Visitor, project_id: int, server_id: int) -> str:
    await project_servers.delete(session, visitor.user, project_id, server_id)
    _audit(visitor, session, "project.server.delete", f"project_server:{server_id}")
    return "Detached the server (its releases stay on it)."


SERVERS = Section(
    key="servers",
    remove_confirm="Remove this server from the project? Its releases stay on it.",
    title="Servers",
    empty="No servers yet: attach one below, then add the project's public key to it.",
    inputs=(
        Input("name", "Name", required=True),
        Input("host", "Host name or IP address", required=True),
        Input("port", "SSH port", "number", default="22"),
        Input("connectAs", "Connect as (user)", required=True, default="forge"),
        Input("phpVersion", "PHP version", "select", options=PHP_VERSIONS, default="php83"),
        Input("deploymentPath", "Deployment path", required=True, default="/home/forge/default", wide=True),
        Input("composerPath", "Composer path", default="composer"),
        Input("receivesCodeDeployments", "Receives code deployments", "checkbox", default="1"),
        Input("restartFpm", "Reload PHP-FPM after activation", "checkbox", default="1"),
    ),
    columns=(
        Column("Name", lambda s: s.name),
        Column("Address", lambda s: code(f"{s.connect_as}@{s.host}:{s.port}")),
        Column("Path", lambda s: code(s.deployment_path)),
        Column("Connection", connection),
    ),
    rows=_servers,
    create=_attach_server,
    delete=_detach_server,
    update=_update_server,
    current=_server_values,
    add_label="Attach server",
    actions=(Action("refresh", "Check connection", _refresh_server),),
)


# Hooks: a script before or after one of the four actions, on chosen servers.


async def _hooks(session: AsyncSession, visitor: Visitor, project_id: int) -> Sequence[Any]:
    return await hooks.all_of(session, visitor.user, project_id)


def hook_body(visitor: Visitor) -> HookCreate:
    """The hook form as the API's body: unchecked boxes send nothing, so `servers` is the ticked ones."""
    return visitor.model(HookCreate, servers=[sid for sid in visitor.texts("servers") if sid])


async def _add_hook(session: AsyncSession, visitor: Visitor, project_id: int) -> str:
    hook = await hooks.create(session, visitor.user, project_id, hook_body(visitor))
    _audit(visitor, session, "project.hook.create", f"hook:{hook.id}")
    return f"Added the hook {hook.name}."


async def _update_hook(session: AsyncSession, visitor: Visitor, project_id: int, hook_id: int) -> str:
    body = visitor.model(HookUpdate, servers=[sid for sid in visitor.texts("servers") if sid])
    hook = await hooks.update(session, visitor.user, project_id, hook_id, body)
    _audit(visitor, session, "project.hook.update", f"hook:{hook.id}")
    return f"Saved the hook {hook.name}: the next deployment runs it so."


def _hook_values(hook: Any) -> dict[str, Any]:
    """A hook as its form's values."""
    return {
        "name": hook.name,
        "actionId": str(hook.action_id),
        "timing": hook.timing,
        "runAs": hook.run_as,
        "servers": [str(server_id) for server_id in hook.servers],
        "script": hook.script,
    }


async def _delete_hook(session: AsyncSession, visitor: Visitor, project_id: int, hook_id: int) -> str:
    await hooks.delete(session, visitor.user, project_id, hook_id)
    _audit(visitor, session, "project.hook.delete", f"hook:{hook_id}")
    return "Deleted the hook."


async def _action_choices(session: AsyncSession, visitor: Visitor, project_id: int) -> list[tuple[str, str]]:
    return [(str(action.id), action.name) for action in ACTIONS]


async def server_choices(session: AsyncSession, visitor: Visitor, project_id: int) -> list[tuple[str, str]]:
    return [(str(server.id), server.name) for server in await _servers(session, visitor, project_id)]


def _hook_place(hook: Any) -> str:
    action = BY_ID.get(hook.action_id)
    return f"{hook.timing} {action.name if action else hook.action_id} (#{hook.sequence})"


HOOKS = Section(
    key="hooks",
    remove_confirm="Delete this hook?",
    title="Deployment hooks",
    empty="No hooks yet: add a script to run before or after an action (migrations, cache warm-up, …).",
    inputs=(
        Input("name", "Name", required=True),
        Input("actionId", "Action", "select", choices=_action_choices, default="3"),
        Input("timing", "When", "select", options=("before", "after"), default="after"),
        Input("runAs", "Run as (user)", required=True, default="forge"),
        Input(
            "servers[]", "On servers", "checkboxes", choices=server_choices, hint="None ticked: every server."
        ),
        Input("script", "Script", "textarea", required=True),
    ),
    columns=(
        Column("Name", lambda h: h.name),
        Column("Runs", _hook_place),
        Column("As", lambda h: code(h.run_as)),
        Column("Script", lambda h: Markup('<pre class="snippet">{}</pre>').format(h.script)),
    ),
    rows=_hooks,
    create=_add_hook,
    delete=_delete_hook,
    update=_update_hook,
    current=_hook_values,
    add_label="Add hook",
)


# Linked folders: a folder of the release linked to one that outlives releases.


@dataclass(frozen=True)
class LinkedFolder:
    """A linked folder as a row: its place in the list is its id (the list has no ids)."""

    id: int
    source: str
    target: str


async def _folders(session: AsyncSession, visitor: Visitor, project_id: int) -> Sequence[LinkedFolder]:
    project = await projects.get(session, visitor.user, project_id)
    return [
        LinkedFolder(index, folder["from"], folder["to"])
        for index, folder in enumerate(project.folders, start=1)
    ]


async def _link_folder(session: AsyncSession, visitor: Visitor, project_id: int) -> str:
    await projects.add_folder(session, visitor.user, project_id, visitor.model(Folder))
    _audit(visitor, session, "project.folder.create", f"project:{project_id}")
    return "Linked the folder: the next deployment links it in the new release."


async def _unlink_folder(session: AsyncSession, visitor: Visitor, project_id: int, row_id: int) -> str:
    rows = await _folders(session, visitor, project_id)
    found = next((row for row in rows if row.id == row_id), None)
    if found is None:
        return "That folder is not linked any more."
    folder = Folder.model_validate({"from": found.source, "to": found.target})
    await projects.remove_folder(session, visitor.user, project_id, folder)
    _audit(visitor, session, "project.folder.delete", f"project:{project_id}")
    return "Unlinked the folder."


FOLDERS = Section(
    key="folders",
    remove_confirm="Stop linking this folder into new releases?",
    title="Linked folders",
    empty="No linked folders: link one (storage/uploads, say) to keep it across releases.",
    inputs=(
        Input("from", "Folder in the release", required=True, hint="relative, e.g. public/uploads"),
        Input("to", "Linked to", required=True, hint="relative to the deployment path, e.g. uploads"),
    ),
    columns=(
        Column("In the release", lambda f: code(f.source)),
        Column("Linked to", lambda f: code(f.target)),
    ),
    rows=_folders,
    create=_link_folder,
    delete=_unlink_folder,
    add_label="Link folder",
)


# Heartbeats: a URL the user's scheduled task calls; missed, it raises the alarm.


def check_in_url(heartbeat: Any) -> Markup:
    """The URL to call: on the configured public URL, else its path on Shipyard's address."""
    base = (get_settings().public_url or "").rstrip("/")
    return code(f"{base}/heartbeat/{heartbeat.token}")


async def _heartbeats(session: AsyncSession, visitor: Visitor, project_id: int) -> Sequence[Any]:
    return await heartbeats.all_of(session, visitor.user, project_id)


async def _add_heartbeat(session: AsyncSession, visitor: Visitor, project_id: int) -> str:
    heartbeat = await heartbeats.create(session, visitor.user, project_id, visitor.model(HeartbeatCreate))
    _audit(visitor, session, "project.heartbeat.create", f"heartbeat:{heartbeat.id}")
    return f"Added the heartbeat {heartbeat.name}: call its check-in URL from the task."


async def _delete_heartbeat(
    session: AsyncSession, visitor: Visitor, project_id: int, heartbeat_id: int
) -> str:
    await heartbeats.delete(session, visitor.user, project_id, heartbeat_id)
    _audit(visitor, session, "project.heartbeat.delete", f"heartbeat:{heartbeat_id}")
    return "Deleted the heartbeat."


HEARTBEATS = Section(
    key="heartbeats",
    remove_confirm="Delete this heartbeat?",
    title="Heartbeats",
    empty="No heartbeats: add one and call its check-in URL from a scheduled task.",
    inputs=(
        Input("name", "Name", required=True),
        Input(
            "interval", "Expected every (minutes)", "select", options=tuple(map(str, INTERVALS)), default="60"
        ),
    ),
    columns=(
        Column("Name", lambda h: h.name),
        Column("State", lambda h: status_badge(h.status)),
        Column("Last check-in", lambda h: reltime(h.last_checked_in_at)),
        Column("Check-in URL", check_in_url),
    ),
    rows=_heartbeats,
    create=_add_heartbeat,
    delete=_delete_heartbeat,
    add_label="Add heartbeat",
)

# Collaborators: other Shipyard users who see and deploy the project.


@dataclass(frozen=True)
class Collaborator:
    """A collaborator as a row: their user id (Envoyer's collaborator id), name and address."""

    id: int
    name: str
    email: str


async def _collaborators(session: AsyncSession, visitor: Visitor, project_id: int) -> Sequence[Collaborator]:
    members = await collaborators.all_of(session, visitor.user, project_id)
    return [Collaborator(user.id, user.name, user.email) for _, user in members]


async def _add_collaborator(session: AsyncSession, visitor: Visitor, project_id: int) -> str:
    email = visitor.text("email")
    await collaborators.add(session, visitor.user, project_id, email)
    _audit(visitor, session, "project.collaborator.create", f"project:{project_id}")
    return f"{email} can now see and deploy the project."


async def _remove_collaborator(session: AsyncSession, visitor: Visitor, project_id: int, user_id: int) -> str:
    _, member = await collaborators.get(session, visitor.user, project_id, user_id)
    await collaborators.remove(session, visitor.user, project_id, member.email)
    _audit(visitor, session, "project.collaborator.delete", f"project:{project_id}")
    return f"{member.name} no longer has access."


COLLABORATORS = Section(
    key="collaborators",
    remove_confirm="Remove this collaborator from the project?",
    title="Collaborators",
    empty="Only you have access: add another Shipyard user by e-mail address to let them deploy.",
    inputs=(Input("email", "E-mail address", "email", required=True),),
    columns=(Column("User", lambda c: c.name), Column("E-mail", lambda c: c.email)),
    rows=_collaborators,
    create=_add_collaborator,
    delete=_remove_collaborator,
    add_label="Add collaborator",
)

# Notifications: deployments, heartbeats and the monitor announced by e-mail or a chat webhook.

NOTIFICATION_KINDS = {"email": "E-mail", "slack": "Slack", "discord": "Discord", "teams": "Microsoft Teams"}


async def _notifications(session: AsyncSession, visitor: Visitor, project_id: int) -> Sequence[Any]:
    return await notifications.all_of(session, visitor.user, project_id)


async def _add_notification(session: AsyncSession, visitor: Visitor, project_id: int) -> str:
    """The form's one destination field goes to the field of the chosen type (`email_address`,
    `slack_webhook`, ...), and the service's reasons about it come back to that one field."""
    kind = visitor.text("type")
    destination = {FIELDS[kind]: visitor.text("destination")} if kind in FIELDS else {}
    try:
        body = visitor.model(NotificationCreate, **destination)
        notification = await notifications.create(session, visitor.user, project_id, body)
    except ValidationFailed as exc:
        field = FIELDS.get(kind)
        raise ValidationFailed(
            {("destination" if key == field else key): reasons for key, reasons in exc.errors.items()}
        ) from exc
    _audit(visitor, session, "project.notification.create", f"notification:{notification.id}")
    return f"Added {notification.name}: it hears about deployments, heartbeats and the monitor."


async def _delete_notification(
    session: AsyncSession, visitor: Visitor, project_id: int, notification_id: int
) -> str:
    await notifications.delete(session, visitor.user, project_id, notification_id)
    _audit(visitor, session, "project.notification.delete", f"notification:{notification_id}")
    return "Deleted the notification."


def _destination(notification: Any) -> object:
    """An e-mail address as it is; a webhook URL masked (it is a secret), as the API shows it."""
    return notification.email if notification.type == "email" else code(masked(notification.webhook or ""))


NOTIFICATIONS = Section(
    key="notifications",
    remove_confirm="Delete this notification?",
    title="Notifications",
    empty="No notifications: add an e-mail address or a Slack, Discord or Teams webhook to hear about "
    "deployments, missing heartbeats and a failing monitor.",
    inputs=(
        Input("name", "Name", required=True),
        Input("type", "Send by", "select", options=tuple(NOTIFICATION_KINDS), default="email"),
        Input("destination", "E-mail address or webhook URL", required=True, wide=True),
    ),
    columns=(
        Column("Name", lambda n: n.name),
        Column("By", lambda n: NOTIFICATION_KINDS.get(n.type, n.type)),
        Column("To", _destination),
        Column("Added", lambda n: reltime(n.created_at)),
    ),
    rows=_notifications,
    create=_add_notification,
    delete=_delete_notification,
    add_label="Add notification",
)

SECTIONS = (SERVERS, HOOKS, FOLDERS, HEARTBEATS, COLLABORATORS, NOTIFICATIONS)
BY_KEY = by_key(SECTIONS)
