"""Site rules: names, directories, users and PHP versions the host can take, ownership through the
server, and the jobs that apply each change (one change per server at a time).

The vhost, `.env` and Laravel log endpoints act on the host within the request, like the
service actions of `servers/services/`: a vhost that `nginx -t` refuses is a 422 on `content`
and is not activated.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import replace

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.db import get_sessionmaker
from shipyard.core.errors import NotFound, ValidationFailed
from shipyard.core.script import HostResult, Script
from shipyard.core.validation import UNIX_USER
from shipyard.hostops import packages
from shipyard.hostops.databases import database_name_error
from shipyard.hostops.sites import (
    PROJECT_TYPES,
    RESERVED_USERS,
    SiteSpec,
    default_site_template,
    nginx_test_output,
    read_content,
    render_nginx_update,
    render_read_file,
    render_read_vhost,
    render_truncate_file,
    render_vhost,
    render_write_file,
    site_alias,
    site_domain,
    site_root,
    templatize,
    web_directory,
)
from shipyard.servers import host, owned, resources
from shipyard.servers import service as servers
from shipyard.servers.databases import service as databases
from shipyard.servers.databases.schemas import DatabaseCreate
from shipyard.servers.models import Server
from shipyard.servers.nginx_templates import service as nginx_templates
from shipyard.servers.php import service as php
from shipyard.sites import repository
from shipyard.sites.models import Site
from shipyard.sites.schemas import SiteCreate, SiteUpdate

DOMAIN_RULE = "The {field} must be a domain name: letters, digits, '-' and dots (at most 253)."
ALIAS_RULE = "An alias must be a domain name; '*.' sub-domain wildcards need wildcards enabled."
DIRECTORY_RULE = (
    "The directory must be a path inside the site that starts with '/', "
    "of letters, digits and . _ @ + - (no '.' or '..' parts)."
)
TAKEN = "The domain has already been taken on this server."
HOST_SECONDS = 60
LOADBALANCER = "loadbalancer"
LOG_LINES = 500
ENV_MODE = "0640"
LARAVEL_LOG = "storage/logs/laravel.log"

Add = Callable[[str, str], None]


def distribution_php(server: Server, version: str) -> str:
    """The distribution's PHP (e.g. `8.2`) for Forge's `version` on this server."""
    return packages.php_version(packages.distribution(server.os or ""), version)


def spec_of(site: Site, server: Server) -> SiteSpec:
    """What the host needs to serve the site as it is now."""
    return SiteSpec(
        id=site.id,
        domain=site.name,
        aliases=tuple(site.aliases),
        wildcards=site.wildcards,
        user=site.username,
        isolated=site.isolated,
        directory=site.directory,
        project_type=site.project_type,
        php=distribution_php(server, site.php_version),
        template=site.vhost_template,
        public_ip=server.ip_address or "",
        private_ip=server.private_ip_address or "",
    )


async def _domain(
    session: AsyncSession, server: Server, value: str, field: str, add: Add, site_id: int = 0
) -> str:
    domain = site_domain(value)
    if domain is None:
        add(field, DOMAIN_RULE.format(field=field))
        return value
    if await repository.taken(session, server.id, domain, site_id):
        add(field, TAKEN)
    return domain


def _aliases(values: list[str], *, domain: str, wildcards: bool, add: Add) -> list[str]:
    aliases: list[str] = []
    for index, value in enumerate(values):
        alias = site_alias(value, wildcards=wildcards)
        if alias is None:
            add(f"aliases.{index}", ALIAS_RULE)
        elif alias == domain:
            add(f"aliases.{index}", "An alias must not be the site's own domain.")
        elif alias not in aliases:
            aliases.append(alias)
    return aliases


def _directory(value: str, add: Add) -> str:
    directory = web_directory(value)
    if directory is None:
        add("directory", DIRECTORY_RULE)
        return value
    return directory


def _username(server: Server, body: SiteCreate, add: Add) -> str:
    """The isolated site's own user, or the server's user for a site that is not isolated."""
    name = body.username or None
    if name is not None and not UNIX_USER.match(name):
        add("username", "The username must be a valid Unix user name (lower-case letters, digits, _ and -).")
        return server.ssh_user
    if not body.isolated:
        return server.ssh_user
    if name is None:
        add("username", "The username field is required when the site is isolated.")
    elif name == server.ssh_user or name in RESERVED_USERS:
        add("username", f"The username {name} is taken by the system or the server; choose another.")
    return name or server.ssh_user


async def installed_php(
    session: AsyncSession, user: User, server: Server, requested: str | None, field: str, add: Add
) -> str:
    """`requested` (or the server's PHP) when it is installed on the server."""
    version = requested or server.php_version
    if version not in packages.FORGE_PHP_VERSIONS:
        add(field, f"The {field} must be one of: {', '.join(packages.FORGE_PHP_VERSIONS)}.")
        return version
    installed = [
        row.version for row in await php.versions(session, user, server.id) if row.status == "installed"
    ]
    if version not in installed:
        add(
            field, f"{version} is not installed on this server (installed: {', '.join(installed) or 'none'})."
        )
    return version


async def _template(
    session: AsyncSession, user: User, server: Server, chosen: int | str | None, project_type: str, add: Add
) -> str:
    """The vhost template: the default one for the project type (on a load balancer: the one that
    proxies to the site's upstream), or one of the server's templates."""
    if chosen is None or chosen == "default":
        return default_site_template(project_type, balancer=server.type == LOADBALANCER)
    template_id = 0
    if isinstance(chosen, int):
        template_id = chosen
    elif chosen.isascii() and chosen.isdigit() and len(chosen) <= 10:
        template_id = int(chosen)
    if 0 < template_id < 2**31:
        try:
            return (await nginx_templates.get(session, user, server.id, template_id)).content
        except NotFound:
            pass
    add(
        "nginx_template", 'The nginx template must be the id of one of the server\'s templates, or "default".'
    )
    return ""


def _database(server: Server, name: str, add: Add) -> None:
    if not server.database_type:
        add("database", "The server has no database server.")
        return
    try:
        engine = databases.engine_of(server)
    except servers.ActionFailed as exc:
        add("database", exc.message)
        return
    if reason := database_name_error(engine, name):
        add("database", reason.replace("The name", "The database name"))


def collector() -> tuple[dict[str, list[str]], Add]:
    errors: dict[str, list[str]] = {}

    def add(field: str, reason: str) -> None:
        errors.setdefault(field, []).append(reason)

    return errors, add


async def create(
    session: AsyncSession, user: User, server_id: int, body: SiteCreate, *, actor: Actor
) -> Site:
    """The site, `installing`; with `database`, a new database on the server as well."""
    server = await servers.get(session, user, server_id)
    errors, add = collector()
    domain = await _domain(session, server, body.domain, "domain", add)
    if body.project_type not in PROJECT_TYPES:
        add("project_type", f"The project type must be one of: {', '.join(PROJECT_TYPES)}.")
    aliases = _aliases(body.aliases, domain=domain, wildcards=body.wildcards, add=add)
    directory = _directory(body.directory, add)
    username = _username(server, body, add)
    php_version = await installed_php(session, user, server, body.php_version, "php_version", add)
    template = await _template(session, user, server, body.nginx_template, body.project_type, add)
    if body.database is not None:
        _database(server, body.database, add)
    if errors:
        raise ValidationFailed(errors)
    servers.require_ready(server)
    if body.database is not None:
        try:
            await databases.create_database(
                session, user, server.id, DatabaseCreate(name=body.database), actor=actor
            )
        except ValidationFailed as exc:
            raise ValidationFailed({"database": exc.errors.get("name", [exc.message])}) from exc
    site = Site(
        server_id=server.id,
        name=domain,
        aliases=aliases,
        directory=directory,
        wildcards=body.wildcards,
        isolated=body.isolated,
        username=username,
        project_type=body.project_type,
        php_version=php_version,
        vhost_template=template,
        deploy_token=secrets.token_urlsafe(30),
    )
    session.add(site)
    try:
        await session.flush()
    except IntegrityError as exc:  # a simultaneous request took the domain after the check above
        raise ValidationFailed({"domain": [TAKEN]}) from exc
    resources.enqueue(session, "sites.install", site, actor=actor)
    return site


async def page(
    session: AsyncSession, user: User, server_id: int, *, offset: int, limit: int
) -> tuple[Sequence[Site], int]:
    return await owned.page(session, user, Site, server_id, offset=offset, limit=limit)


async def get(session: AsyncSession, user: User, server_id: int, site_id: int) -> Site:
    return await owned.get(session, user, Site, server_id, site_id, "site")


async def _changeable(session: AsyncSession, user: User, server_id: int, site_id: int) -> tuple[Site, Server]:
    site = await get(session, user, server_id, site_id)
    server = await servers.get(session, user, server_id)
    if site.status == resources.REMOVING:
        raise servers.ActionFailed("The site is being removed.")
    return site, server


def _reinstall(session: AsyncSession, site: Site, *, actor: Actor) -> None:
    """Queue the site's update on the host (a rename moves its vhost and directory)."""
    site.status = resources.INSTALLING
    resources.enqueue(session, "sites.update", site, actor=actor)


async def update(
    session: AsyncSession, user: User, server_id: int, site_id: int, body: SiteUpdate, *, actor: Actor
) -> Site:
    """Change the domain, web directory, aliases, wildcards or PHP version; the host follows."""
    site, server = await _changeable(session, user, server_id, site_id)
    errors, add = collector()
    domain = site.name
    if body.name is not None:
        domain = await _domain(session, server, body.name, "name", add, site.id)
    wildcards = site.wildcards if body.wildcards is None else body.wildcards
    aliases = _aliases(
        site.aliases if body.aliases is None else body.aliases, domain=domain, wildcards=wildcards, add=add
    )
    directory = site.directory if body.directory is None else _directory(body.directory, add)
    php_version = site.php_version
    if body.php_version is not None:
        php_version = await installed_php(session, user, server, body.php_version, "php_version", add)
    if errors:
        raise ValidationFailed(errors)
    servers.require_ready(server)
    site.name, site.aliases, site.wildcards = domain, aliases, wildcards
    site.directory, site.php_version = directory, php_version
    _reinstall(session, site, actor=actor)
    return site


async def change_php(
    session: AsyncSession, user: User, server_id: int, site_id: int, version: str, *, actor: Actor
) -> Site:
    """Run the site on another installed PHP version (its pool moves to that version)."""
    site, server = await _changeable(session, user, server_id, site_id)
    errors, add = collector()
    site_php = await installed_php(session, user, server, version, "version", add)
    if errors:
        raise ValidationFailed(errors)
    servers.require_ready(server)
    site.php_version = site_php
    _reinstall(session, site, actor=actor)
    return site


async def add_aliases(
    session: AsyncSession, user: User, server_id: int, site_id: int, values: list[str], *, actor: Actor
) -> Site:
    """Add aliases to the site's own (Forge keeps the existing ones)."""
    site, server = await _changeable(session, user, server_id, site_id)
    errors, add = collector()
    added = _aliases(values, domain=site.name, wildcards=site.wildcards, add=add)
    if errors:
        raise ValidationFailed(errors)
    servers.require_ready(server)
    site.aliases = [*site.aliases, *(alias for alias in added if alias not in site.aliases)]
    _reinstall(session, site, actor=actor)
    return site


async def delete(session: AsyncSession, user: User, server_id: int, site_id: int, *, actor: Actor) -> None:
    """Marks the site `removing`; the job takes it off the host and then deletes the row."""
    site = await get(session, user, server_id, site_id)
    servers.require_ready(await servers.get(session, user, server_id))
    if site.status != resources.REMOVING:
        resources.mark_removing(session, "sites.remove", site, actor=actor)


async def on_host(
    session: AsyncSession, user: User, server_id: int, site_id: int, *, writing: bool
) -> tuple[Site, Server]:
    """The site and its server for an action on the host now; a write needs the site installed."""
    site = await get(session, user, server_id, site_id)
    server = await servers.get(session, user, server_id)
    servers.require_ready(server)
    if writing and site.status == resources.INSTALLING:
        raise servers.ActionFailed("The site is still being installed; try again once it is installed.")
    if writing and site.status == resources.REMOVING:
        raise servers.ActionFailed("The site is being removed.")
    if writing and host_domain(site) != site.name:
        raise servers.ActionFailed(
            f"The server still has the site as {site.host_name}: its rename did not complete (see the "
            "server's events). Update the site again first."
        )
    return site, server


def host_domain(site: Site) -> str:
    """The domain the host has the site under: its name, unless a rename did not reach the host."""
    return site.host_name or site.name


async def run_on_host(
    session: AsyncSession, user: User, server: Server, script: Script, description: str, *, record: bool
) -> HostResult:
    """Run the script now (recorded as a server event unless it only reads); unreachable is a 400."""
    # Events are written from other sessions while this request waits. SQLite has one writer, and
    # the request may hold the write lock (a token's first-use stamp): end its transaction first.
    await session.commit()
    try:
        return await host.run(
            get_sessionmaker(),
            server.id,
            script,
            description=description,
            user_id=user.id,
            time_limit=HOST_SECONDS,
            check=False,
            record_event=record,
        )
    except host.HostActionFailed as exc:
        raise servers.ActionFailed(f"{description} failed: {exc}") from exc


def host_failure(description: str, result: HostResult) -> servers.ActionFailed:
    lines = [line for line in result.output.splitlines() if line and not line.startswith("SHIPYARD_RESULT")]
    return servers.ActionFailed(f"{description} failed:\n" + "\n".join(lines[-8:]))


async def read(
    session: AsyncSession, user: User, server: Server, script: Script, description: str
) -> str | None:
    result = await run_on_host(session, user, server, script, description, record=False)
    if not result.ok:
        raise host_failure(description, result)
    return read_content(result)


async def nginx_config(session: AsyncSession, user: User, server_id: int, site_id: int) -> str:
    """The site's vhost as it is on the host."""
    site, server = await on_host(session, user, server_id, site_id, writing=False)
    content = await read(
        session, user, server, render_read_vhost(host_domain(site)), f"Reading the vhost of site {site.id}"
    )
    if content is None:
        raise servers.ActionFailed("The site's nginx configuration is not on the server.")
    return content


async def update_nginx_config(
    session: AsyncSession, user: User, server_id: int, site_id: int, content: str
) -> str:
    """Replace the site's vhost, only if `nginx -t` passes with it; returns what the host has now.

    Forge variables in `content` are filled in; the site's own values in it (domain, names, paths,
    PHP socket) become variables again, so that later changes of the site rewrite them.
    """
    site, server = await on_host(session, user, server_id, site_id, writing=True)
    if "\x00" in content:
        raise ValidationFailed({"content": ["The content must be text."]})
    current = spec_of(site, server)
    spec = replace(current, template=templatize(content, current.values()))
    description = f"Updating the nginx configuration of site {site.id}"
    result = await run_on_host(session, user, server, render_nginx_update(spec), description, record=True)
    if not result.ok:
        refused = nginx_test_output(result)
        if refused is not None:
            raise ValidationFailed({"content": [refused.strip() or "nginx -t refused the configuration."]})
        raise host_failure(description, result)
    site.vhost_template = spec.template
    return render_vhost(spec)


def _site_file(site: Site, relative: str) -> str:
    return f"{site_root(site.username, host_domain(site))}/{relative}"


async def env(session: AsyncSession, user: User, server_id: int, site_id: int) -> str:
    """The site's `.env` (empty when it has none)."""
    site, server = await on_host(session, user, server_id, site_id, writing=False)
    script = render_read_file(site.username, _site_file(site, ".env"))
    return await read(session, user, server, script, f"Reading the .env of site {site.id}") or ""


async def update_env(session: AsyncSession, user: User, server_id: int, site_id: int, content: str) -> str:
    """Write the site's `.env` as the site user, mode 0640."""
    site, server = await on_host(session, user, server_id, site_id, writing=True)
    if "\x00" in content:
        raise ValidationFailed({"content": ["The content must be text."]})
    description = f"Updating the .env of site {site.id}"
    script = render_write_file(site.username, _site_file(site, ".env"), content, ENV_MODE)
    result = await run_on_host(session, user, server, script, description, record=True)
    if not result.ok:
        raise host_failure(description, result)
    return content


async def log(session: AsyncSession, user: User, server_id: int, site_id: int) -> str:
    """The last lines of the application's Laravel log (empty when there is none)."""
    site, server = await on_host(session, user, server_id, site_id, writing=False)
    script = render_read_file(site.username, _site_file(site, LARAVEL_LOG), tail=LOG_LINES)
    return await read(session, user, server, script, f"Reading the log of site {site.id}") or ""


async def clear_log(session: AsyncSession, user: User, server_id: int, site_id: int) -> None:
    """Empty the application's Laravel log."""
    site, server = await on_host(session, user, server_id, site_id, writing=True)
    description = f"Clearing the log of site {site.id}"
    script = render_truncate_file(site.username, _site_file(site, LARAVEL_LOG))
    result = await run_on_host(session, user, server, script, description, record=True)
    if not result.ok:
        raise host_failure(description, result)
