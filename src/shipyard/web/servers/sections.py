"""The resource sections of a server's page, each over its resource's service (as the API's router)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.audit import service as audit
from shipyard.hostops.monitors import METRICS
from shipyard.hostops.packages import FORGE_PHP_VERSIONS
from shipyard.servers.backups import service as backups
from shipyard.servers.backups.rules import FREQUENCIES as BACKUP_FREQUENCIES
from shipyard.servers.backups.schemas import BackupConfigurationCreate
from shipyard.servers.backups.storage import PROVIDERS as STORAGE_PROVIDERS
from shipyard.servers.cron import service as cron
from shipyard.servers.cron.schedule import FREQUENCIES as CRON_FREQUENCIES
from shipyard.servers.cron.schemas import JobCreate
from shipyard.servers.daemons import service as daemons
from shipyard.servers.daemons.schemas import DaemonCreate
from shipyard.servers.databases import service as databases
from shipyard.servers.databases.schemas import DatabaseCreate, DatabaseUserCreate
from shipyard.servers.firewall import service as firewall
from shipyard.servers.firewall.schemas import FirewallRuleCreate
from shipyard.servers.keys import service as keys
from shipyard.servers.keys.schemas import SshKeyCreate
from shipyard.servers.monitors import service as monitors
from shipyard.servers.monitors.schemas import OPERATORS, MonitorCreate
from shipyard.servers.php import service as php
from shipyard.servers.recipes import service as recipes
from shipyard.servers.recipes.schemas import RecipeCreate, RecipeRun
from shipyard.web.context import Visitor
from shipyard.web.sections import (
    ROWS_SHOWN,
    Action,
    Column,
    Input,
    Section,
    by_key,
    code,
    creating,
    on_row,
    paged,
)
from shipyard.web.templating import reltime, status_badge

STATUS = Column("Status", lambda row: status_badge(row.status))


def _audit(visitor: Visitor, session: AsyncSession, action: str, subject: str, **details: Any) -> None:
    audit.record(session, visitor.actor, action, subject=subject, details=details or None)


# Databases and their users.


_databases = paged(databases.page)


async def _create_database(session: AsyncSession, visitor: Visitor, server_id: int) -> str:
    body = visitor.model(DatabaseCreate)
    database, database_user = await databases.create_database(
        session, visitor.user, server_id, body, actor=visitor.actor
    )
    _audit(visitor, session, "database.create", f"database:{database.id}")
    if database_user is not None:
        _audit(visitor, session, "database_user.create", f"database_user:{database_user.id}")
    return f"Creating the database {database.name}."


async def _database_choices(session: AsyncSession, visitor: Visitor, server_id: int) -> list[tuple[str, str]]:
    return [(str(row.id), row.name) for row in await _databases(session, visitor, server_id)]


# Scheduled jobs.


async def _create_job(session: AsyncSession, visitor: Visitor, server_id: int) -> str:
    job, _ = await cron.create(
        session, visitor.user, server_id, visitor.model(JobCreate), actor=visitor.actor
    )
    _audit(visitor, session, "job.create", f"job:{job.id}")
    return "Adding the scheduled job."


# PHP versions.


async def _php(session: AsyncSession, visitor: Visitor, server_id: int) -> Sequence[Any]:
    return await php.versions(session, visitor.user, server_id)


async def _install_php(session: AsyncSession, visitor: Visitor, server_id: int) -> str:
    version = visitor.text("version")
    await php.install(session, visitor.user, server_id, version, actor=visitor.actor)
    _audit(visitor, session, "php.install", f"server:{server_id}", version=version)
    return f"Installing {version}."


async def _update_php(session: AsyncSession, visitor: Visitor, server_id: int, row_id: int) -> str:
    version = next((row.version for row in await _php(session, visitor, server_id) if row.id == row_id), "")
    await php.update(session, visitor.user, server_id, version, actor=visitor.actor)
    _audit(visitor, session, "php.update", f"server:{server_id}", version=version)
    return f"Updating {version} to its latest patch release."


# Monitors.


async def _create_monitor(session: AsyncSession, visitor: Visitor, server_id: int) -> str:
    monitor = await monitors.create(session, visitor.user, server_id, visitor.model(MonitorCreate))
    _audit(visitor, session, "monitor.create", f"monitor:{monitor.id}")
    return "Monitor added."


async def _delete_monitor(session: AsyncSession, visitor: Visitor, server_id: int, row_id: int) -> str:
    await monitors.delete(session, visitor.user, server_id, row_id)
    _audit(visitor, session, "monitor.delete", f"monitor:{row_id}")
    return "Monitor removed."


# Backups.


async def _delete_backup(session: AsyncSession, visitor: Visitor, server_id: int, row_id: int) -> str:
    await backups.delete(session, visitor.user, server_id, row_id)
    _audit(visitor, session, "backup_configuration.delete", f"backup_configuration:{row_id}")
    return "Backup configuration removed (the archives stay in the bucket)."


# Recipes: the user's scripts, run on this server.


async def _recipes(session: AsyncSession, visitor: Visitor, server_id: int) -> Sequence[Any]:
    rows, _ = await recipes.page(session, visitor.user, offset=0, limit=ROWS_SHOWN + 1)
    return rows


async def _create_recipe(session: AsyncSession, visitor: Visitor, server_id: int) -> str:
    recipe = await recipes.create(session, visitor.user, visitor.model(RecipeCreate))
    _audit(visitor, session, "recipe.create", f"recipe:{recipe.id}")
    return f"Recipe {recipe.name} saved: run it here with its button."


async def _run_recipe(session: AsyncSession, visitor: Visitor, server_id: int, row_id: int) -> str:
    await recipes.run(session, visitor.user, row_id, RecipeRun(servers=[server_id]), actor=visitor.actor)
    _audit(visitor, session, "recipe.run", f"recipe:{row_id}")
    return "Running the recipe: its output is in the server's events."


async def _delete_recipe(session: AsyncSession, visitor: Visitor, server_id: int, row_id: int) -> str:
    await recipes.delete(session, visitor.user, row_id)
    _audit(visitor, session, "recipe.delete", f"recipe:{row_id}")
    return "Recipe deleted."


SECTIONS: tuple[Section, ...] = (
    Section(
        key="databases",
        title="Databases",
        empty="No databases yet: add one, optionally with a user that may use it.",
        inputs=(
            Input("name", "Name", required=True),
            Input("user", "New user"),
            Input("password", "Password of the new user", kind="password"),
        ),
        columns=(
            Column("Name", lambda row: row.name),
            Column("Created", lambda r: reltime(r.created_at)),
            STATUS,
        ),
        rows=_databases,
        create=_create_database,
        delete=on_row(databases.delete, "database", "delete", "Removing the database."),
        add_label="Add database",
    ),
    Section(
        key="database-users",
        title="Database users",
        empty="No database users yet.",
        inputs=(
            Input("name", "Name", required=True),
            Input("password", "Password", kind="password", required=True),
            Input("databases[]", "Databases it may use", kind="checkboxes", choices=_database_choices),
        ),
        columns=(
            Column("Name", lambda row: row.name),
            Column("Created", lambda r: reltime(r.created_at)),
            STATUS,
        ),
        rows=paged(databases.users_page),
        create=creating(
            databases.create_user,
            DatabaseUserCreate,
            "database_user",
            "Creating the database user {row.name}.",
        ),
        delete=on_row(databases.delete_user, "database_user", "delete", "Removing the database user."),
        add_label="Add database user",
    ),
    Section(
        key="daemons",
        title="Daemons",
        empty="No daemons yet: add a command for supervisor to keep running.",
        inputs=(
            Input("command", "Command", required=True, wide=True),
            Input("user", "User", default="forge"),
            Input("directory", "Directory"),
            Input("processes", "Processes", kind="number", default="1"),
            Input("startsecs", "Start seconds", kind="number", default="1"),
            Input("stopwaitsecs", "Stop wait seconds", kind="number", default="10"),
            Input("stopsignal", "Stop signal", default="SIGTERM"),
        ),
        columns=(
            Column("Command", lambda row: code(row.command)),
            Column("User", lambda row: row.user),
            Column("Processes", lambda row: row.processes),
            STATUS,
        ),
        rows=paged(daemons.page),
        create=creating(daemons.create, DaemonCreate, "daemon", "Starting the daemon."),
        delete=on_row(daemons.delete, "daemon", "delete", "Stopping and removing the daemon."),
        add_label="Add daemon",
        actions=(
            Action(
                "restart", "Restart", on_row(daemons.restart, "daemon", "restart", "Restarting the daemon.")
            ),
        ),
    ),
    Section(
        key="scheduled-jobs",
        title="Scheduled jobs",
        empty="No scheduled jobs yet: add a command and how often it runs.",
        inputs=(
            Input("command", "Command", required=True, wide=True),
            Input("user", "User", default="forge"),
            Input("frequency", "Frequency", kind="select", options=tuple(CRON_FREQUENCIES)),
            Input("minute", "Minute", hint="custom only"),
            Input("hour", "Hour", hint="custom only"),
            Input("day", "Day of month", hint="custom only"),
            Input("month", "Month", hint="custom only"),
            Input("weekday", "Day of week", hint="custom only"),
        ),
        columns=(
            Column("Command", lambda row: code(row.command)),
            Column("User", lambda row: row.user),
            Column("Schedule", lambda row: code(row.cron)),
            STATUS,
        ),
        rows=paged(cron.page),
        create=_create_job,
        delete=on_row(cron.delete, "job", "delete", "Removing the scheduled job."),
        add_label="Add scheduled job",
    ),
    Section(
        key="firewall",
        title="Firewall rules",
        empty="No firewall rules of yours yet: SSH, HTTP and HTTPS are open.",
        inputs=(
            Input("name", "Name", required=True),
            Input("port", "Port or range", required=True),
            Input("ip_address", "From address", hint="blank: anywhere"),
            Input("type", "Type", kind="select", options=("allow", "deny")),
        ),
        columns=(
            Column("Name", lambda row: row.name),
            Column("Port", lambda row: row.port),
            Column("From", lambda row: row.ip_address or "anywhere"),
            Column("Type", lambda row: row.type),
            STATUS,
        ),
        rows=paged(firewall.page),
        create=creating(firewall.create, FirewallRuleCreate, "firewall_rule", "Adding the firewall rule."),
        delete=on_row(firewall.delete, "firewall_rule", "delete", "Removing the firewall rule."),
        add_label="Add rule",
    ),
    Section(
        key="keys",
        title="SSH keys",
        empty="No SSH keys yet: add a public key to let someone log in.",
        inputs=(
            Input("name", "Name", required=True),
            Input("username", "User", default="forge"),
            Input("key", "Public key", kind="textarea", required=True),
        ),
        columns=(Column("Name", lambda row: row.name), Column("User", lambda row: row.username), STATUS),
        rows=paged(keys.page),
        create=creating(keys.create, SshKeyCreate, "key", "Adding the SSH key."),
        delete=on_row(keys.delete, "key", "delete", "Removing the SSH key."),
        add_label="Add key",
    ),
    Section(
        key="php",
        title="PHP",
        empty="No PHP versions recorded yet.",
        inputs=(Input("version", "Version", kind="select", options=FORGE_PHP_VERSIONS),),
        columns=(
            Column("Version", lambda row: row.version),
            Column("Default", lambda row: "yes" if row.used_as_default else ""),
            Column("CLI", lambda row: "yes" if row.used_on_cli else ""),
            STATUS,
        ),
        rows=_php,
        create=_install_php,
        add_label="Install PHP",
        actions=(Action("update", "Update patch", _update_php),),
    ),
    Section(
        key="monitors",
        title="Monitors",
        empty="No monitors yet: be e-mailed when disk, memory or CPU load crosses a line.",
        inputs=(
            Input("type", "Metric", kind="select", options=tuple(METRICS)),
            Input(
                "operator", "When it is", kind="select", options=OPERATORS, hint="gte: at least; lte: at most"
            ),
            Input("threshold", "Threshold (%)", kind="number", required=True),
            Input("minutes", "For minutes", kind="number", default="0"),
            Input("notify", "E-mail", kind="email", required=True),
        ),
        columns=(
            Column("Metric", lambda row: f"{row.type} {row.operator} {row.threshold:g}"),
            Column("For", lambda row: f"{row.minutes} min"),
            Column("E-mail", lambda row: row.notify),
            Column("State", lambda row: status_badge(row.state)),
        ),
        rows=paged(monitors.page),
        create=_create_monitor,
        delete=_delete_monitor,
        add_label="Add monitor",
    ),
    Section(
        key="backups",
        title="Backups",
        empty="No backups configured: back up databases to S3-compatible storage on a schedule.",
        inputs=(
            Input("provider", "Storage", kind="select", options=tuple(STORAGE_PROVIDERS)),
            Input("credentials[bucket]", "Bucket", required=True),
            Input("credentials[region]", "Region", hint="S3 and Spaces"),
            Input("credentials[endpoint]", "Endpoint", hint="custom storage"),
            Input("credentials[access_key]", "Access key", required=True),
            Input("credentials[secret_key]", "Secret key", kind="password", required=True),
            Input("frequency[type]", "Frequency", kind="select", options=BACKUP_FREQUENCIES),
            Input("frequency[time]", "Time (UTC)", hint="HH:MM, daily and weekly"),
            Input("frequency[day]", "Day of week", kind="number", hint="0 (Sunday) to 6, weekly"),
            Input("frequency[custom]", "Cron expression", hint="custom"),
            Input("directory", "Key prefix"),
            Input("retention", "Backups kept", kind="number", default="7"),
            Input("email", "E-mail on failure", kind="email"),
            Input("databases[]", "Databases", kind="checkboxes", choices=_database_choices),
        ),
        columns=(
            Column("Storage", lambda row: STORAGE_PROVIDERS.get(row.provider, row.provider)),
            Column("Schedule", lambda row: code(row.cron)),
            Column("Next run", lambda row: reltime(row.next_run_at)),
            STATUS,
        ),
        rows=paged(backups.page),
        create=creating(
            backups.create, BackupConfigurationCreate, "backup_configuration", "Backup configuration added."
        ),
        delete=_delete_backup,
        add_label="Add backup configuration",
        actions=(
            Action(
                "run", "Back up now", on_row(backups.run, "backup_configuration", "run", "Backing up now.")
            ),
        ),
    ),
    Section(
        key="recipes",
        title="Recipes",
        empty="No recipes yet: save a script to run on your servers.",
        inputs=(
            Input("name", "Name", required=True),
            Input("user", "Run as", default="root"),
            Input("script", "Script", kind="textarea", required=True),
        ),
        columns=(Column("Name", lambda row: row.name), Column("Runs as", lambda row: row.user)),
        rows=_recipes,
        create=_create_recipe,
        delete=_delete_recipe,
        add_label="Save recipe",
        actions=(Action("run", "Run here", _run_recipe),),
    ),
)

BY_KEY = by_key(SECTIONS)
