"""`POST /api/hook`: a forge's webhook (forgejo/gitea, GitHub, GitLab: detected by its headers,
its signature checked against the repository's secret before anything else happens), or a push
reported by the post-receive hook of a `git` forge's repository (its hook token names it)."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.ci.forges import git, hooks
from shipyard.ci.pipelines import service as pipelines
from shipyard.ci.pipelines.models import Pipeline
from shipyard.ci.repos import service as repos
from shipyard.ci.repos.models import Repo
from shipyard.core.errors import NotFound, Unauthenticated, ValidationFailed


class PushHook(BaseModel):
    """What a `git` forge's post-receive hook reports for one ref."""

    ref: str
    before: str = ""
    after: str
    sender: str = ""


def _git_trigger(body: bytes) -> pipelines.Trigger | None:
    try:
        push = PushHook.model_validate_json(body)
    except ValidationError:
        raise ValidationFailed({"hook": ["The body is {ref, before, after[, sender]}."]}) from None
    if not git.REF.match(push.ref) or ".." in push.ref:
        raise ValidationFailed({"ref": ["The ref is refs/heads/<branch> or refs/tags/<tag>."]})
    if push.after == git.ZERO_SHA:
        return None
    if not git.SHA.match(push.after) or (push.before and not git.SHA.match(push.before)):
        raise ValidationFailed({"after": ["before and after are commit hashes."]})
    event = "tag" if push.ref.startswith("refs/tags/") else "push"
    return pipelines.Trigger(
        event=event, ref=push.ref, commit=push.after, before=push.before, sender=push.sender[:255]
    )


async def _signed_repo(
    session: AsyncSession,
    parsed: hooks.ParsedHook,
    headers: Mapping[str, str],
    body: bytes,
    access_token: str,
) -> Repo:
    """The repository whose secret signed the webhook; 401 if none did, 404 if none is known."""
    types = hooks.KINDS[parsed.kind]
    if access_token:
        candidates = [await repos.repo_for_hook_token(session, access_token)]
        if await repos.forge_type_of(session, candidates[0]) not in types:
            raise ValidationFailed({"hook": ["This repository's forge does not send this kind of webhook."]})
    else:
        candidates = list(await repos.repos_for_remote(session, types, parsed.remote_id))
    if not candidates:
        raise NotFound("repository")
    for repo in candidates:
        if hooks.verify(parsed.kind, headers, body, repos.webhook_secret(repo)):
            return repo
    raise Unauthenticated("The webhook's signature does not match the repository's secret.")


async def receive(
    session: AsyncSession, headers: Mapping[str, str], body: bytes, access_token: str, server_url: str
) -> Pipeline | None:
    """The pipeline a webhook started, or None when it asks for nothing to run."""
    kind = hooks.detect(headers)
    if kind is None:
        repo = await repos.repo_for_hook_token(session, access_token)
        if await repos.forge_type_of(session, repo) != "git":
            raise ValidationFailed({"hook": ["This repository's forge sends its own webhooks."]})
        trigger = _git_trigger(body)
    else:
        try:
            parsed = hooks.parse(kind, headers, body)
        except hooks.HookError as exc:
            raise ValidationFailed({"hook": [str(exc)]}) from None
        repo = await _signed_repo(session, parsed, headers, body, access_token)
        trigger = pipelines.trigger_of_hook(parsed.event) if parsed.event else None
    if trigger is None or not repo.active:
        return None
    if trigger.event.startswith("pull_request") and not repo.allow_pr:
        return None
    return await pipelines.create(session, repo, trigger, server_url=server_url)
