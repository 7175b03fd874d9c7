"""Forge rules: CRUD, which forge types Shipyard can talk to, and the adapter of each."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.forges import repository
from shipyard.ci.forges.adapter import ForgeAdapter
from shipyard.ci.forges.git import GitForge
from shipyard.ci.forges.gitea import GiteaForge
from shipyard.ci.forges.github import GitHubForge
from shipyard.ci.forges.gitlab import GitLabForge
from shipyard.ci.forges.models import Forge
from shipyard.ci.forges.schemas import ForgeCreate, ForgeOut, ForgePatch
from shipyard.core.errors import NotFound, ValidationFailed

# A `git` forge's url is the root its repositories' clone URLs start with.
GIT_URL = re.compile(r"^(?:/[^\x00-\x1f\s]*|file:///[^\x00-\x1f\s]*|(?:https?|ssh|git)://[^\x00-\x1f\s]+)\Z")
HTTP_URL = re.compile(r"^https?://[^\x00-\x1f\s]+\Z")
ADAPTERS: dict[str, type[ForgeAdapter]] = {
    "git": GitForge,
    "gitea": GiteaForge,
    "forgejo": GiteaForge,
    "github": GitHubForge,
    "gitlab": GitLabForge,
}
SUPPORTED = tuple(ADAPTERS)
# Types with no public instance to default to: their url is required.
URL_REQUIRED = ("gitea", "forgejo", "gitlab")


def _validate(forge_type: str, url: str) -> None:
    if forge_type == "git" and not GIT_URL.match(url):
        raise ValidationFailed(
            {
                "url": [
                    "A git forge's url is the root of its clone URLs: an absolute path, file://, "
                    "http(s)://, ssh:// or git:// URL."
                ]
            }
        )
    if forge_type != "git" and url and not HTTP_URL.match(url):
        raise ValidationFailed({"url": ["The url must be an http(s) URL."]})
    if forge_type in URL_REQUIRED and not url:
        raise ValidationFailed({"url": [f"A {forge_type} forge needs the url of its server."]})


def read(forge: Forge, *, admin: bool) -> ForgeOut:
    """Non-admins get no client id (and nobody gets the secret)."""
    return ForgeOut(
        id=forge.id,
        type=forge.type,
        url=forge.url,
        client=forge.client if admin else "",
        skip_verify=forge.skip_verify,
        oauth_host=forge.oauth_host,
        orgs=forge.orgs,
        additional_options=forge.additional_options if admin else {},
    )


async def create(session: AsyncSession, body: ForgeCreate) -> Forge:
    _validate(body.type, body.url)
    forge = Forge(
        type=body.type,
        url=body.url,
        client=body.client,
        client_secret=body.oauth_client_secret or None,
        skip_verify=body.skip_verify,
        oauth_host=body.oauth_host,
        orgs=body.orgs,
        additional_options=body.additional_options,
    )
    session.add(forge)
    await session.flush()
    return forge


async def get(session: AsyncSession, forge_id: int) -> Forge:
    forge = await repository.get(session, forge_id)
    if forge is None:
        raise NotFound("forge")
    return forge


async def default(session: AsyncSession) -> Forge:
    forge = await repository.first(session)
    if forge is None:
        raise ValidationFailed(
            {"forge_id": ["No forge is registered yet: create one with POST /api/forges."]}
        )
    return forge


async def page(session: AsyncSession, *, offset: int, limit: int) -> tuple[Sequence[Forge], int]:
    return await repository.page(session, offset=offset, limit=limit)


async def update(session: AsyncSession, forge_id: int, body: ForgePatch) -> Forge:
    forge = await get(session, forge_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    _validate(changes.get("type", forge.type), changes.get("url", forge.url))
    if "oauth_client_secret" in changes:
        forge.client_secret = changes.pop("oauth_client_secret") or None
    for key, value in changes.items():
        setattr(forge, key, value)
    await session.flush()
    return forge


async def delete(session: AsyncSession, forge_id: int) -> None:
    await session.delete(await get(session, forge_id))


def adapter(forge: Forge) -> ForgeAdapter:
    """The adapter that talks to `forge`; ValidationFailed for a type Shipyard cannot reach."""
    require_supported(forge)
    return ADAPTERS[forge.type](forge)


def require_supported(forge: Forge) -> None:
    if forge.type not in SUPPORTED:
        raise ValidationFailed(
            {
                "forge_id": [
                    f"Shipyard cannot reach {forge.type} forges yet; supported: {', '.join(SUPPORTED)}."
                ]
            }
        )
