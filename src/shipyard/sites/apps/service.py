"""Application rules: WordPress or phpMyAdmin go into a PHP site without one, with a database of the
server and a database user that may use it (MariaDB/MySQL only)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.jobs import service as jobs
from shipyard.servers import resources
from shipyard.servers import service as servers
from shipyard.servers.databases import repository as database_rows
from shipyard.servers.databases import service as databases
from shipyard.sites.apps.schemas import AppInstall
from shipyard.sites.models import Site
from shipyard.sites.workers.service import require_changeable, site_of

INSTALLING, INSTALLED, FAILED, REMOVING = "installing", "installed", "failed", "removing"


async def install(
    session: AsyncSession,
    user: User,
    server_id: int,
    site_id: int,
    app: str,
    body: AppInstall,
    *,
    actor: Actor,
) -> Site:
    """Queue the installation; the site's `app` is the app, `app_status` installing."""
    site, server = await site_of(session, user, server_id, site_id, changing=False)
    errors: dict[str, list[str]] = {}
    engine = None
    try:
        engine = databases.engine_of(server)
    except servers.ActionFailed as exc:
        errors["database"] = [exc.message]
    if engine is not None and engine != "mysql":
        errors["database"] = [f"{app} needs MariaDB or MySQL; this server runs PostgreSQL."]
    database = await database_rows.named(session, server.id, body.database)
    if "database" not in errors and (database is None or database.status != resources.INSTALLED):
        errors["database"] = ["The database must be one of the server's installed databases."]
    db_user = await database_rows.get_user(session, server.id, body.user)
    if db_user is None or db_user.status != resources.INSTALLED:
        errors["user"] = ["The user must be the id of one of the server's installed database users."]
    elif database is not None and database.id not in {granted.id for granted in db_user.databases}:
        errors["user"] = [f"The user {db_user.name} may not use the database {body.database}."]
    if site.project_type != "php":
        errors["site"] = [f"{app} needs a PHP site."]
    if errors or database is None or db_user is None:
        raise ValidationFailed(errors)
    require_changeable(site, server)
    if site.app is not None:
        raise servers.ActionFailed(
            f"The site already has {site.app} ({site.app_status}); uninstall it first."
        )
    site.app, site.app_status = app, INSTALLING
    jobs.enqueue(
        session,
        "apps.install",
        {"site_id": site.id, "database_id": database.id, "user_id": db_user.id},
        resource_key=servers.resource_key(server.id),
        actor=actor,
    )
    return site


async def uninstall(
    session: AsyncSession, user: User, server_id: int, site_id: int, app: str, *, actor: Actor
) -> None:
    """Queue the removal: the web directory is emptied and gets its placeholder page again."""
    site, server = await site_of(session, user, server_id, site_id, changing=True)
    if site.app != app:
        raise NotFound(app)
    if site.app_status in (INSTALLING, REMOVING):
        raise servers.ActionFailed(f"{app} is still {site.app_status}; try again once that is done.")
    site.app_status = REMOVING
    jobs.enqueue(
        session,
        "apps.uninstall",
        {"site_id": site.id},
        resource_key=servers.resource_key(server.id),
        actor=actor,
    )
