"""Repository rules: activation, permissions, settings, ownership, hook tokens."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import jwt
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.auth.models import User
from shipyard.ci.access import deny
from shipyard.ci.forges import git
from shipyard.ci.forges import service as forges
from shipyard.ci.forges.adapter import ForgeAdapter, ForgeError, PullRequest, RemoteRepo
from shipyard.ci.repos import repository
from shipyard.ci.repos.models import Org, Repo
from shipyard.ci.repos.schemas import OrgOut, OrgPerm, Perm, RepoOut, RepoPatch, Trusted
from shipyard.ci.secrets import service as secrets_service
from shipyard.core.errors import Conflict, NotFound, ValidationFailed
from shipyard.core.secrets import derive_key

Need = Literal["pull", "push", "admin"]
HOOK_TOKEN_TYPE = "hook"
HOOK_PATH = "/api/hook"  # where forges deliver webhooks, under the server's URL

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Access:
    pull: bool
    push: bool
    admin: bool

    def allows(self, need: Need) -> bool:
        return bool(getattr(self, need))


def read(repo: Repo) -> RepoOut:
    return RepoOut(
        id=repo.id,
        forge_id=repo.forge_id,
        forge_remote_id=repo.forge_remote_id,
        org_id=repo.org_id,
        owner=repo.owner,
        name=repo.name,
        full_name=repo.full_name,
        avatar_url=repo.avatar_url,
        forge_url=repo.forge_url,
        clone_url=repo.clone_url,
        clone_url_ssh=repo.clone_url_ssh,
        default_branch=repo.default_branch,
        pr_enabled=repo.pr_enabled,
        timeout=repo.timeout,
        visibility=repo.visibility,
        private=repo.private,
        trusted=Trusted(**repo.trusted),
        require_approval=repo.require_approval,
        approval_allowed_users=repo.approval_allowed_users,
        active=repo.active,
        allow_pr=repo.allow_pr,
        allow_deploy=repo.allow_deploy,
        config_file=repo.config_file,
        cancel_previous_pipeline_events=repo.cancel_previous_pipeline_events,
        netrc_trusted=repo.netrc_trusted,
    )


def read_org(org: Org) -> OrgOut:
    return OrgOut(id=org.id, forge_id=org.forge_id, name=org.name, is_user=org.is_user)


async def access(session: AsyncSession, user: User | None, repo: Repo) -> Access:
    """Admins and the repository's or its organization's owner get everything; public repos (and
    internal ones, for logged-in users) grant pull."""
    if user is not None:
        if user.is_admin or repo.user_id == user.id:
            return Access(True, True, True)
        org = await repository.org(session, repo.org_id)
        if org is not None and org.user_id == user.id:
            return Access(True, True, True)
    pull = repo.visibility == "public" or (user is not None and repo.visibility == "internal")
    return Access(pull, False, False)


def perm(granted: Access) -> Perm:
    return Perm(pull=granted.pull, push=granted.push, admin=granted.admin)


async def get(session: AsyncSession, user: User | None, repo_id: int, need: Need = "pull") -> Repo:
    repo = await repository.repo(session, repo_id)
    if repo is None:
        raise deny(user, "repository")
    if not (await access(session, user, repo)).allows(need):
        raise deny(user, "repository")
    return repo


async def get_raw(session: AsyncSession, repo_id: int) -> Repo:
    """A repository regardless of who asks (badges are public)."""
    repo = await repository.repo(session, repo_id)
    if repo is None:
        raise NotFound("repository")
    return repo


async def get_by_full_name(session: AsyncSession, full_name: str) -> Repo | None:
    return await repository.repo_by_full_name(session, full_name)


async def get_visible(session: AsyncSession, user: User | None, repo_id: int) -> Repo | None:
    """The repository if `user` may pull it, else None."""
    repo = await repository.repo(session, repo_id)
    if repo is None or not (await access(session, user, repo)).pull:
        return None
    return repo


async def lookup(session: AsyncSession, user: User | None, full_name: str) -> Repo:
    repo = await repository.repo_by_full_name(session, full_name.strip("/"))
    if repo is None:
        raise deny(user, "repository")
    return await get(session, user, repo.id)


async def _org_for(session: AsyncSession, forge_id: int, owner: str, user: User) -> Org:
    org = await repository.org_by_name(session, owner, forge_id)
    if org is None:
        org = Org(forge_id=forge_id, name=owner, is_user=owner.lower() == user.name.lower(), user_id=user.id)
        session.add(org)
        await session.flush()
    return org


def _check_remote_id(forge_type: str, remote_id: str) -> None:
    if forge_type == "git":
        if not git.REMOTE_PATH.match(remote_id) or ".." in remote_id:
            raise ValidationFailed(
                {
                    "forge_remote_id": [
                        "The repository is a path under the forge's url, such as alice/app.git."
                    ]
                }
            )
    elif not remote_id.isdigit() and (not git.REMOTE_PATH.match(remote_id) or ".." in remote_id):
        raise ValidationFailed(
            {"forge_remote_id": ["The repository is the forge's id of it, or its owner/name."]}
        )


async def _lookup(forge_adapter: ForgeAdapter, remote_id: str) -> RemoteRepo:
    try:
        remote = await forge_adapter.lookup(remote_id)
    except ForgeError as exc:
        raise ValidationFailed({"forge_remote_id": [f"The forge cannot find {remote_id}: {exc}"]}) from None
    if not remote.perm.admin:
        raise ValidationFailed(
            {
                "forge_remote_id": [
                    f"The forge's token cannot administer {remote.full_name} (to add the webhook)."
                ]
            }
        )
    return remote


async def activate(
    session: AsyncSession, user: User, remote_id: str, forge_id: int | None, hook_base: str
) -> Repo:
    """Activate the repository `remote_id` of a forge (the first forge when none is named).

    On a `git` forge the remote id is the repository's path under the forge's url
    (`alice/app.git`); its clone URL is the two joined. On the other forges it is the forge's id
    of the repository or its `owner/name`; the forge's token must administer it, and Shipyard adds
    a webhook to `<hook_base>/api/hook` signed with the repository's own secret.
    """
    forge = await (forges.get(session, forge_id) if forge_id else forges.default(session))
    forge_adapter = forges.adapter(forge)
    remote_id = remote_id.strip()
    _check_remote_id(forge.type, remote_id)
    remote = await _lookup(forge_adapter, remote_id)
    existing = await repository.repo_by_remote(session, forge.id, remote.remote_id)
    if existing is not None:
        if existing.active:
            raise Conflict("This repository is already active.")
        if not (await access(session, user, existing)).admin:
            raise NotFound("repository")
        existing.active = True
        await _register_hook(forge_adapter, existing, hook_base, "forge_remote_id")
        return existing
    if await repository.repo_by_full_name(session, remote.full_name) is not None:
        raise Conflict(f"A repository named {remote.full_name} is already active.")
    org = await _org_for(session, forge.id, remote.owner, user)
    repo = Repo(
        forge_id=forge.id,
        forge_remote_id=remote.remote_id,
        org_id=org.id,
        user_id=user.id,
        owner=remote.owner,
        name=remote.name,
        full_name=remote.full_name,
        clone_url=remote.clone_url,
        clone_url_ssh=remote.clone_url_ssh,
        forge_url=remote.forge_url,
        avatar_url=remote.avatar_url,
        default_branch=remote.default_branch,
        visibility=remote.visibility,
        private=remote.private,
        trusted={"network": False, "volumes": False, "security": False},
        hash=secrets.token_hex(32),
    )
    session.add(repo)
    await session.flush()
    await _register_hook(forge_adapter, repo, hook_base, "forge_remote_id")
    return repo


async def _register_hook(forge_adapter: ForgeAdapter, repo: Repo, hook_base: str, field: str) -> None:
    """Have the forge send the repository's events to `<hook_base>/api/hook` (once)."""
    try:
        await forge_adapter.activate(
            repo, f"{hook_base}{HOOK_PATH}?access_token={hook_token(repo)}", webhook_secret(repo)
        )
    except ForgeError as exc:
        raise ValidationFailed({field: [f"The forge refused the webhook: {exc}"]}) from None


async def update(session: AsyncSession, user: User, repo_id: int, body: RepoPatch) -> Repo:
    repo = await get(session, user, repo_id, "admin")
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    trusted = changes.pop("trusted", None)
    if trusted is not None:
        if not user.is_admin:
            raise ValidationFailed({"trusted": ["Only administrators may change a repository's trust."]})
        repo.trusted = {**repo.trusted, **trusted}
    if "visibility" in changes:
        repo.private = changes["visibility"] != "public"
    for key, value in changes.items():
        setattr(repo, key, value)
    await session.flush()
    return repo


async def deactivate(
    session: AsyncSession, user: User, repo_id: int, *, remove: bool, hook_base: str
) -> Repo:
    """Stop building the repository (`remove`: forget it, with its pipelines and secrets) and take
    Shipyard's webhook off the forge. A forge that cannot be reached does not stop this: the
    webhook's deliveries are refused from now on anyway."""
    repo = await get(session, user, repo_id, "admin")
    forge = await forges.get(session, repo.forge_id)
    try:
        await forges.adapter(forge).deactivate(repo, f"{hook_base}{HOOK_PATH}")
    except ForgeError as exc:
        log.warning("repository %s: the forge's webhook was not removed: %s", repo.full_name, exc)
    if remove:
        await secrets_service.delete_for_repo(session, repo.id)
        await session.delete(repo)
    else:
        repo.active = False
    await session.flush()
    return repo


async def chown(session: AsyncSession, user: User, repo_id: int) -> Repo:
    repo = await get(session, user, repo_id, "admin")
    repo.user_id = user.id
    return repo


async def move(session: AsyncSession, user: User, repo_id: int, to: str) -> Repo:
    repo = await get(session, user, repo_id, "admin")
    owner, _, name = to.strip("/").rpartition("/")
    if not owner or not git.REMOTE_PATH.match(f"{owner}/{name}"):
        raise ValidationFailed({"to": ["The new name is owner/name."]})
    other = await repository.repo_by_full_name(session, f"{owner}/{name}")
    if other is not None and other.id != repo.id:
        raise Conflict(f"A repository named {owner}/{name} exists already.")
    repo.owner, repo.name, repo.full_name = owner, name, f"{owner}/{name}"
    repo.org_id = (await _org_for(session, repo.forge_id, owner, user)).id
    return repo


async def _refresh(session: AsyncSession, repo: Repo, hook_base: str) -> None:
    forge = await forges.get(session, repo.forge_id)
    forge_adapter = forges.adapter(forge)
    remote = await forge_adapter.lookup(repo.forge_remote_id)
    repo.default_branch = remote.default_branch
    repo.clone_url, repo.clone_url_ssh, repo.forge_url = (
        remote.clone_url,
        remote.clone_url_ssh,
        remote.forge_url,
    )
    if forge.type == "git":
        await git.fetch(repo.id, repo.clone_url)
    elif repo.active:
        await _register_hook(forge_adapter, repo, hook_base, "repo")


async def repair(session: AsyncSession, user: User, repo_id: int, hook_base: str) -> Repo:
    """Re-read the repository from its forge (reachability, default branch, clone URLs, the local
    mirror of a `git` forge's repository) and register its webhook again."""
    repo = await get(session, user, repo_id, "admin")
    try:
        await _refresh(session, repo, hook_base)
    except ForgeError as exc:
        raise ValidationFailed({"repo": [f"The forge cannot give {repo.full_name}: {exc}"]}) from None
    return repo


async def repair_all(session: AsyncSession, hook_base: str) -> None:
    for repo in await repository.all_repos(session):
        try:
            await _refresh(session, repo, hook_base)
        except (ForgeError, ValidationFailed) as exc:
            log.warning("repository %s was not repaired: %s", repo.full_name, exc)


async def branches(session: AsyncSession, user: User | None, repo_id: int) -> list[str]:
    repo = await get(session, user, repo_id)
    forge = await forges.get(session, repo.forge_id)
    try:
        return await forges.adapter(forge).branches(repo)
    except ForgeError as exc:
        raise ValidationFailed(
            {"repo": [f"The forge cannot list the branches of {repo.full_name}: {exc}"]}
        ) from None


async def pull_requests(session: AsyncSession, user: User | None, repo_id: int) -> list[PullRequest]:
    repo = await get(session, user, repo_id)
    forge = await forges.get(session, repo.forge_id)
    try:
        return await forges.adapter(forge).pull_requests(repo)
    except ForgeError as exc:
        raise ValidationFailed(
            {"repo": [f"The forge cannot list the pull requests of {repo.full_name}: {exc}"]}
        ) from None


async def page(
    session: AsyncSession, *, active: bool | None, offset: int, limit: int
) -> tuple[Sequence[Repo], int]:
    return await repository.repos_page(session, active=active, offset=offset, limit=limit)


async def of_user(
    session: AsyncSession, user: User, *, name: str | None, include_inactive: bool
) -> Sequence[Repo]:
    return await repository.repos_of_user(
        session, user.id, admin=user.is_admin, name=name, include_inactive=include_inactive
    )


def hook_token(repo: Repo) -> str:
    """Woodpecker's hook token: a JWT `{type: hook, repo-id}` signed with the repository's hash."""
    return jwt.encode({"type": HOOK_TOKEN_TYPE, "repo-id": str(repo.id)}, repo.hash, algorithm="HS256")


def webhook_secret(repo: Repo) -> str:
    """The secret a forge signs the repository's webhooks with: derived from Shipyard's key and the
    repository's hash, so it is never stored and rotates with the hash."""
    key = derive_key("ci.forge-webhook")
    return hmac.new(key, f"{repo.id}:{repo.hash}".encode(), hashlib.sha256).hexdigest()


async def repos_for_remote(
    session: AsyncSession, forge_types: Sequence[str], remote_id: str
) -> Sequence[Repo]:
    """The repositories with this forge id on any forge of these types."""
    return await repository.repos_by_remote(session, forge_types, remote_id)


async def forge_type_of(session: AsyncSession, repo: Repo) -> str:
    return (await forges.get(session, repo.forge_id)).type


async def repo_for_hook_token(session: AsyncSession, token: str) -> Repo:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
        repo = await repository.repo(session, int(claims.get("repo-id", 0)))
        if repo is None or claims.get("type") != HOOK_TOKEN_TYPE:
            raise NotFound("repository")
        jwt.decode(token, repo.hash, algorithms=["HS256"])
    except (jwt.PyJWTError, ValueError, OverflowError):
        raise NotFound("repository") from None
    return repo


async def next_number(session: AsyncSession, repo_id: int) -> int:
    return await repository.next_pipeline_number(session, repo_id)


async def org_get(session: AsyncSession, user: User | None, org_id: int) -> Org:
    org = await repository.org(session, org_id)
    if org is None or not org_perm(user, org).member:
        raise deny(user, "organization")
    return org


async def org_admin(session: AsyncSession, user: User, org_id: int) -> Org:
    """An organization the user administers (its secrets, registries and agents); else 404."""
    org = await org_get(session, user, org_id)
    if not org_perm(user, org).admin:
        raise NotFound("organization")
    return org


async def org_lookup(session: AsyncSession, user: User | None, name: str) -> Org:
    org = await repository.org_by_name(session, name)
    if org is None:
        raise deny(user, "organization")
    return await org_get(session, user, org.id)


async def org_raw(session: AsyncSession, org_id: int) -> Org | None:
    return await repository.org(session, org_id)


def org_perm(user: User | None, org: Org) -> OrgPerm:
    if user is None:
        return OrgPerm(member=False, admin=False)
    mine = user.is_admin or org.user_id == user.id
    return OrgPerm(member=mine, admin=mine)


async def orgs_page(session: AsyncSession, *, offset: int, limit: int) -> tuple[Sequence[Org], int]:
    return await repository.orgs_page(session, offset=offset, limit=limit)


async def org_delete(session: AsyncSession, org_id: int) -> None:
    org = await repository.org(session, org_id)
    if org is None:
        raise NotFound("organization")
    await secrets_service.delete_for_org(session, org.id)
    for repo_id in await repository.repo_ids_of_org(session, org.id):
        await secrets_service.delete_for_repo(session, repo_id)
    await session.delete(org)
