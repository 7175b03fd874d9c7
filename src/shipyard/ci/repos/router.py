"""Woodpecker's repository and organization endpoints, and the hook script of a `git` repository."""

from __future__ import annotations

import shlex
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import PlainTextResponse

from shipyard.audit import service as audit
from shipyard.ci.access import Admin, Guest, LoggedIn, OrgsUser, require_admin, user_of
from shipyard.ci.pipelines import service as pipelines
from shipyard.ci.pipelines.read import pipeline_out
from shipyard.ci.pipelines.schemas import PipelineOut
from shipyard.ci.repos import service
from shipyard.ci.repos.schemas import OrgOut, OrgPerm, Perm, PullRequestOut, RepoOut, RepoPatch
from shipyard.core.errors import ValidationFailed
from shipyard.http.pagination import Paging, set_page_headers
from shipyard.http.params import MAX_ID, ResourceId
from shipyard.http.session import DbSession
from shipyard.http.urls import public_url

router = APIRouter(prefix="/api", tags=["ci repos"])


@router.get("/repos", response_model=list[RepoOut])
async def list_repos(
    principal: Admin,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
    active: bool | None = None,
) -> list[RepoOut]:
    """Admins: every repository (`?active=true` for the active ones)."""
    rows, total = await service.page(session, active=active, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return [service.read(r) for r in rows]


@router.post("/repos", response_model=RepoOut)
async def activate_repo(
    principal: LoggedIn,
    session: DbSession,
    request: Request,
    forge_remote_id: Annotated[str, Query(min_length=1, max_length=500)],
    forge_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> RepoOut:
    """Activate a repository: on a `git` forge `forge_remote_id` is its path under the forge's url;
    on forgejo/gitea, GitHub and GitLab it is the forge's id of the repository (or `owner/name`),
    and Shipyard adds a webhook to the repository that reports to `POST /api/hook`."""
    repo = await service.activate(session, principal.user, forge_remote_id, forge_id, public_url(request))
    audit.record(session, principal.actor, "ci.repo.activate", subject=f"ci-repo:{repo.id}")
    return service.read(repo)


@router.get("/repos/lookup/{repo_full_name:path}", response_model=RepoOut)
async def lookup_repo(repo_full_name: str, principal: Guest, session: DbSession) -> RepoOut:
    """By `owner/name` (raw or with the slash encoded)."""
    return service.read(await service.lookup(session, user_of(principal), repo_full_name))


@router.post("/repos/repair", status_code=204)
async def repair_all(principal: Admin, session: DbSession, request: Request) -> None:
    await service.repair_all(session, public_url(request))


@router.get("/repos/{repo_id}", response_model=RepoOut)
async def get_repo(repo_id: ResourceId, principal: Guest, session: DbSession) -> RepoOut:
    return service.read(await service.get(session, user_of(principal), repo_id))


@router.patch("/repos/{repo_id}", response_model=RepoOut)
async def update_repo(
    repo_id: ResourceId, body: RepoPatch, principal: LoggedIn, session: DbSession
) -> RepoOut:
    repo = await service.update(session, principal.user, repo_id, body)
    audit.record(session, principal.actor, "ci.repo.update", subject=f"ci-repo:{repo.id}")
    return service.read(repo)


@router.delete("/repos/{repo_id}", response_model=RepoOut)
async def delete_repo(
    repo_id: ResourceId, principal: LoggedIn, session: DbSession, request: Request, remove: bool = False
) -> RepoOut:
    """Deactivate the repository (its webhook leaves the forge); `?remove=true` deletes it with its
    pipelines."""
    repo = await service.deactivate(
        session, principal.user, repo_id, remove=remove, hook_base=public_url(request)
    )
    audit.record(session, principal.actor, "ci.repo.delete", subject=f"ci-repo:{repo_id}")
    return service.read(repo)


@router.get("/repos/{repo_id}/branches", response_model=list[str])
async def branches(
    repo_id: ResourceId,
    principal: Guest,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> list[str]:
    names = await service.branches(session, user_of(principal), repo_id)
    set_page_headers(request, response, paging, len(names))
    return names[paging.offset : paging.offset + paging.size]


@router.get("/repos/{repo_id}/pull_requests", response_model=list[PullRequestOut])
async def pull_requests(
    repo_id: ResourceId,
    principal: Guest,
    session: DbSession,
    paging: Paging,
    request: Request,
    response: Response,
) -> list[PullRequestOut]:
    """The open pull (merge) requests, from the forge's API (a `git` forge has none)."""
    rows = await service.pull_requests(session, user_of(principal), repo_id)
    set_page_headers(request, response, paging, len(rows))
    return [
        PullRequestOut(index=p.index, title=p.title)
        for p in rows[paging.offset : paging.offset + paging.size]
    ]


@router.post("/repos/{repo_id}/chown", response_model=RepoOut)
async def chown(repo_id: ResourceId, principal: LoggedIn, session: DbSession) -> RepoOut:
    repo = await service.chown(session, principal.user, repo_id)
    audit.record(session, principal.actor, "ci.repo.chown", subject=f"ci-repo:{repo.id}")
    return service.read(repo)


@router.post("/repos/{repo_id}/move", status_code=204)
async def move(
    repo_id: ResourceId, principal: LoggedIn, session: DbSession, to: Annotated[str, Query(max_length=511)]
) -> None:
    await service.move(session, principal.user, repo_id, to)
    audit.record(session, principal.actor, "ci.repo.move", subject=f"ci-repo:{repo_id}")


@router.post("/repos/{repo_id}/repair", status_code=204)
async def repair(repo_id: ResourceId, principal: LoggedIn, session: DbSession, request: Request) -> None:
    """Re-read the repository from its forge and register its webhook again."""
    await service.repair(session, principal.user, repo_id, public_url(request))


@router.get("/repos/{repo_id}/permissions", response_model=Perm)
async def permissions(repo_id: ResourceId, principal: Guest, session: DbSession) -> Perm:
    """The caller's permissions; a repository the caller cannot see is a 404 (401 for guests)."""
    repo = await service.get(session, user_of(principal), repo_id)
    return service.perm(await service.access(session, user_of(principal), repo))


@router.get("/repos/{repo_id}/hook", response_class=PlainTextResponse)
async def hook_script(repo_id: ResourceId, principal: LoggedIn, session: DbSession, request: Request) -> str:
    """Shipyard's addition: a post-receive hook for the bare repository of a `git` forge (other
    forges send their own webhooks).

    Install it as `hooks/post-receive` (executable); every push is then reported to Shipyard.
    The script holds the repository's hook token: treat it as a secret.
    """
    repo = await service.get(session, principal.user, repo_id, "admin")
    forge_type = await service.forge_type_of(session, repo)
    if forge_type != "git":
        raise ValidationFailed(
            {"repo": [f"The {forge_type} forge sends its own webhooks; the hook script is for git forges."]}
        )
    url = f"{public_url(request)}/api/hook?access_token={service.hook_token(repo)}"
    return (
        "#!/bin/sh\n"
        f"# Shipyard: report pushes to {repo.full_name} (post-receive hook).\n"
        "while read -r old new ref; do\n"
        '  body=$(printf \'{"before":"%s","after":"%s","ref":"%s","sender":"%s"}\' '
        '"$old" "$new" "$ref" "${USER:-git}")\n'
        "  curl -fsS -o /dev/null -X POST -H 'Content-Type: application/json' --data \"$body\" \\\n"
        f"    {shlex.quote(url)} \\\n"
        '    || echo "shipyard: could not report $ref" >&2\n'
        "done\n"
    )


class RepoLastPipeline(RepoOut):
    last_pipeline: PipelineOut | None = None


@router.get("/user/repos", response_model=list[RepoLastPipeline], response_model_exclude_none=True)
async def user_repos(
    principal: LoggedIn,
    session: DbSession,
    all: bool = False,
    name: Annotated[str | None, Query(max_length=255)] = None,
) -> list[RepoLastPipeline]:
    """The caller's repositories with their latest pipeline (`?all=true` includes inactive ones)."""
    rows = await service.of_user(session, principal.user, name=name, include_inactive=all)
    out = []
    for repo in rows:
        last = await pipelines.newest(session, repo)
        out.append(
            RepoLastPipeline(
                **service.read(repo).model_dump(), last_pipeline=pipeline_out(last) if last else None
            )
        )
    return out


@router.post("/user/repos/refresh", status_code=204)
async def refresh_user_repos(principal: LoggedIn) -> None:
    """Permissions come from Shipyard itself (no forge sync): nothing to refresh."""


@router.get("/orgs", response_model=list[OrgOut])
async def list_orgs(
    principal: Admin, session: DbSession, paging: Paging, request: Request, response: Response
) -> list[OrgOut]:
    rows, total = await service.orgs_page(session, offset=paging.offset, limit=paging.size)
    set_page_headers(request, response, paging, total)
    return [service.read_org(o) for o in rows]


@router.get("/orgs/lookup/{org_full_name:path}", response_model=OrgOut)
async def lookup_org(org_full_name: str, principal: Guest, session: DbSession) -> OrgOut:
    return service.read_org(await service.org_lookup(session, user_of(principal), org_full_name))


@router.get("/orgs/{org_id}", response_model=OrgOut)
async def get_org(org_id: ResourceId, principal: OrgsUser, session: DbSession) -> OrgOut:
    return service.read_org(await service.org_get(session, principal.user, org_id))


@router.delete("/orgs/{org_id}", status_code=204)
async def delete_org(org_id: ResourceId, principal: OrgsUser, session: DbSession) -> None:
    require_admin(principal.user)
    await service.org_delete(session, org_id)
    audit.record(session, principal.actor, "ci.org.delete", subject=f"ci-org:{org_id}")


@router.get("/orgs/{org_id}/permissions", response_model=OrgPerm)
async def org_permissions(org_id: ResourceId, principal: Guest, session: DbSession) -> OrgPerm:
    org = await service.org_raw(session, org_id)
    if org is None:
        return OrgPerm(member=False, admin=False)
    return service.org_perm(user_of(principal), org)
