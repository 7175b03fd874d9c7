"""Service actions on a server's host: start/stop/restart a systemd service and `nginx -t`.

They are actions, not stored resources, and run within the request (a short time limit, like
reactivating a server) so that the answer says what happened; each is recorded as a server event.
A failure on the host is Forge's 400 with the reason; a name that is not a service is a 422.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.db import get_sessionmaker
from shipyard.core.errors import ValidationFailed
from shipyard.core.script import HostResult, Script
from shipyard.hostops import packages
from shipyard.hostops.services import Action, NotAService, render_control, render_nginx_test, service_unit
from shipyard.servers import host
from shipyard.servers import service as servers
from shipyard.servers.models import Server

ACTION_SECONDS = 60
TEST_SECONDS = 30
# Stopping sshd could cut Shipyard (and everyone) off the server.
UNSTOPPABLE = ("ssh.service", "sshd.service")
VERBS = {"start": "Starting", "stop": "Stopping", "restart": "Restarting"}


async def _run(
    session: AsyncSession, user: User, server: Server, script: Script, description: str, time_limit: float
) -> HostResult:
    """Run the script now and record it as a server event; an unreachable host is a 400."""
    # The event is written from other sessions while this request waits. SQLite has one writer, and
    # the request may hold the write lock (a token's first-use stamp): end its transaction first.
    await session.commit()
    try:
        return await host.run(
            get_sessionmaker(),
            server.id,
            script,
            description=description,
            user_id=user.id,
            time_limit=time_limit,
            check=False,
        )
    except host.HostActionFailed as exc:
        raise servers.ActionFailed(f"{description} failed: {exc}") from exc


async def _control(
    session: AsyncSession,
    user: User,
    server: Server,
    unit: str,
    action: Action,
    *,
    field: str | None = None,
    missing: str | None = None,
) -> None:
    """Run the action on an existing unit; a missing unit is a 422 on `field` (or a 400 without one)."""
    servers.require_ready(server)
    description = f"{VERBS[action]} {unit}"
    script = render_control(action, unit, test_nginx=unit == "nginx.service")
    result = await _run(session, user, server, script, description, ACTION_SECONDS)
    if result.ok:
        return
    if result.result.get("found") is False:
        reason = missing or f"The service {unit.removesuffix('.service')} does not exist on this server."
        if field is not None:
            raise ValidationFailed({field: [reason]})
        raise servers.ActionFailed(reason)
    raise servers.ActionFailed(f"{description} failed on {server.name}:\n{_last_lines(result.output)}")


def _last_lines(output: str, count: int = 8) -> str:
    lines = [line for line in output.splitlines() if line and not line.startswith("SHIPYARD_RESULT")]
    return "\n".join(lines[-count:])


async def control(session: AsyncSession, user: User, server_id: int, name: str, action: Action) -> None:
    """`services/start|stop|restart` with `{"service": name}`."""
    server = await servers.get(session, user, server_id)
    try:
        unit = service_unit(name)
    except NotAService as exc:
        raise ValidationFailed({"service": [str(exc)]}) from exc
    if action == "stop" and unit in UNSTOPPABLE:
        raise ValidationFailed({"service": ["Stopping ssh would cut Shipyard off from the server."]})
    await _control(session, user, server, unit, action, field="service")


def _database_unit(server: Server, engine: str) -> str:
    """The systemd service of the server's database when it is of `engine` (mysql or postgres)."""
    wanted = "MySQL" if engine == "mysql" else "PostgreSQL"
    if not server.database_type:
        raise servers.ActionFailed(f"The server has no {wanted} database.")
    try:
        database = packages.database(packages.distribution(server.os or ""), server.database_type)
    except packages.Unavailable as exc:
        raise servers.ActionFailed(str(exc)) from exc
    if database.engine != engine:
        raise servers.ActionFailed(
            f"The server's database is {database.description} ({server.database_type}), not {wanted}."
        )
    return f"{database.service}.service"


async def database(session: AsyncSession, user: User, server_id: int, engine: str, action: Action) -> None:
    """`mysql/reboot|stop` and `postgres/reboot|stop`: MySQL means the server's MySQL-compatible
    server (MariaDB on Debian)."""
    server = await servers.get(session, user, server_id)
    servers.require_ready(server)
    await _control(session, user, server, _database_unit(server, engine), action)


async def nginx(session: AsyncSession, user: User, server_id: int, action: Action) -> None:
    """`nginx/reboot|stop`; nginx is only restarted when `nginx -t` passes."""
    server = await servers.get(session, user, server_id)
    await _control(session, user, server, "nginx.service", action)


async def nginx_test(session: AsyncSession, user: User, server_id: int) -> str:
    """What `nginx -t` prints on the host now (also when the test fails)."""
    server = await servers.get(session, user, server_id)
    servers.require_ready(server)
    result = await _run(
        session, user, server, render_nginx_test(), "Testing the nginx configuration", TEST_SECONDS
    )
    if not result.ok:
        raise servers.ActionFailed(_last_lines(result.output) or "nginx -t could not run.")
    text = result.output.rstrip("\n")
    return text + "\n" if text else ""


async def php(session: AsyncSession, user: User, server_id: int, version: str | None) -> None:
    """`php/reboot`: restart the FPM service of a Forge PHP version (`php82` -> `php8.2-fpm`)."""
    server = await servers.get(session, user, server_id)
    forge_version = version or server.php_version
    if forge_version not in packages.FORGE_PHP_VERSIONS:
        raise ValidationFailed(
            {"version": [f"The version must be one of: {', '.join(packages.FORGE_PHP_VERSIONS)}."]}
        )
    servers.require_ready(server)
    try:
        php_version = packages.php_version(packages.distribution(server.os or ""), forge_version)
    except packages.Unavailable as exc:
        raise ValidationFailed({"version": [str(exc)]}) from exc
    await _control(
        session,
        user,
        server,
        f"php{php_version}-fpm.service",
        "restart",
        field="version",
        missing=f"PHP {php_version} ({forge_version}) is not installed on this server.",
    )
