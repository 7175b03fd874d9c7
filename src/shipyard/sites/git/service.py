"""Git rules: providers and repositories the host can clone, branches git takes, and the jobs
that install, update and remove the repository (in line with the site's deployments).

A deploy key is made and installed within the request: POST answers with the public key.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.core.actor import Actor
from shipyard.core.errors import ValidationFailed
from shipyard.hostops.git import (
    BRANCH,
    PROVIDERS,
    Repository,
    clone_url,
    render_install_key,
    render_remove_key,
)
from shipyard.jobs import service as jobs
from shipyard.remote.keys import generate_keypair
from shipyard.servers import service as servers
from shipyard.sites import repository as sites_repository
from shipyard.sites import service as sites
from shipyard.sites.models import Site

INSTALLING, INSTALLED, FAILED, REMOVING = "installing", "installed", "failed", "removing"
REPOSITORY_RULE = (
    "The repository must be user/repository for {provider}, or a git URL (ssh://, git://, https://, "
    "file://, user@host:path or an absolute path) for custom providers."
)
BRANCH_RULE = "The branch must be a git branch name (letters, digits and . _ / + -)."


def site_key(site_id: int) -> str:
    """The resource key of a site's git changes and deployments: one at a time, in order."""
    return f"site-deployment:{site_id}"


def repository_of(site: Site) -> Repository | None:
    """What the host clones for the site, or None when it has no repository."""
    if site.repository is None or site.repository_provider is None or site.repository_branch is None:
        return None
    url = clone_url(site.repository_provider, site.repository)
    return Repository(url, site.repository_branch) if url is not None else None


def _check(provider: str, repository: str, branch: str) -> None:
    errors: dict[str, list[str]] = {}
    if provider not in PROVIDERS:
        errors["provider"] = [f"The provider must be one of: {', '.join(PROVIDERS)}."]
    elif clone_url(provider, repository) is None:
        errors["repository"] = [REPOSITORY_RULE.format(provider=provider)]
    if not BRANCH.match(branch):
        errors["branch"] = [BRANCH_RULE]
    if errors:
        raise ValidationFailed(errors)


def _enqueue(session: AsyncSession, name: str, site: Site, actor: Actor, **args: object) -> None:
    jobs.enqueue(session, name, {"site_id": site.id, **args}, resource_key=site_key(site.id), actor=actor)


async def install(
    session: AsyncSession,
    user: User,
    server_id: int,
    site_id: int,
    *,
    provider: str,
    repository: str,
    branch: str,
    composer: bool,
    actor: Actor,
) -> Site:
    """Queue cloning the repository into the site (`repository_status` installing)."""
    site, _ = await sites.on_host(session, user, server_id, site_id, writing=True)
    _check(provider, repository, branch)
    if site.repository_status in (INSTALLING, INSTALLED, REMOVING):
        raise servers.ActionFailed("The site has a repository already: update or remove it first.")
    site.repository, site.repository_provider, site.repository_branch = repository, provider, branch
    site.repository_status = INSTALLING
    _enqueue(session, "sites.git.install", site, actor, composer=composer)
    return site


async def update(
    session: AsyncSession,
    user: User,
    server_id: int,
    site_id: int,
    *,
    provider: str | None,
    repository: str | None,
    branch: str | None,
    actor: Actor,
) -> Site:
    """Queue pointing the site's clone at another repository and/or branch."""
    site, _ = await sites.on_host(session, user, server_id, site_id, writing=True)
    if site.repository is None or site.repository_status in (None, REMOVING):
        raise servers.ActionFailed("The site has no repository: install one first.")
    provider = provider or site.repository_provider or ""
    repository = repository or site.repository
    branch = branch or site.repository_branch or ""
    _check(provider, repository, branch)
    site.repository, site.repository_provider, site.repository_branch = repository, provider, branch
    site.repository_status = INSTALLING
    _enqueue(session, "sites.git.update", site, actor)
    return site


async def remove(session: AsyncSession, user: User, server_id: int, site_id: int, *, actor: Actor) -> Site:
    """Queue taking the repository out of the site (it serves the placeholder page again)."""
    site, _ = await sites.on_host(session, user, server_id, site_id, writing=True)
    if site.repository is None:
        raise servers.ActionFailed("The site has no repository.")
    if site.repository_status != REMOVING:
        site.repository_status = REMOVING
        _enqueue(session, "sites.git.remove", site, actor)
    return site


async def create_deploy_key(session: AsyncSession, user: User, server_id: int, site_id: int) -> str:
    """Install the site's deploy key for the site user (a new ed25519 pair the first time);
    returns the public key, to add to the repository."""
    site, server = await sites.on_host(session, user, server_id, site_id, writing=True)
    stored = await sites_repository.deploy_key(session, site.id)
    if stored is None:
        pair = generate_keypair(f"shipyard-site-{site.id}@{server.name}")
        stored = (pair.private_openssh, pair.public_openssh)
    private, public = stored
    description = f"Installing the deploy key of site {site.id}"
    script = render_install_key(sites.spec_of(site, server), private, public)
    result = await sites.run_on_host(session, user, server, script, description, record=True)
    if not result.ok:
        raise sites.host_failure(description, result)
    site.deploy_key_private, site.deploy_key_public = private, public
    return public


async def delete_deploy_key(session: AsyncSession, user: User, server_id: int, site_id: int) -> None:
    """Remove the site's deploy key from the host and forget it."""
    site, server = await sites.on_host(session, user, server_id, site_id, writing=True)
    description = f"Removing the deploy key of site {site.id}"
    script = render_remove_key(sites.spec_of(site, server))
    result = await sites.run_on_host(session, user, server, script, description, record=True)
    if not result.ok:
        raise sites.host_failure(description, result)
    site.deploy_key_private = site.deploy_key_public = None
