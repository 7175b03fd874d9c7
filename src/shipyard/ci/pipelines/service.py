"""Pipeline rules: create from an event (fetch, compile, store, queue), status math, cancel,
approve, decline, restart, and what the API reads."""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard import __version__
from shipyard.auth.models import User
from shipyard.ci.compiler.compiler import (
    CompiledWorkflow,
    CompileResult,
    ConfigFile,
    Netrc,
    SecretEntry,
    compile_pipeline,
)
from shipyard.ci.compiler.metadata import (
    Author,
    Commit,
    ForgeMeta,
    Metadata,
    PipelineMeta,
    Release,
    RepoMeta,
    System,
    Trusted,
)
from shipyard.ci.forges import service as forges
from shipyard.ci.forges.adapter import ForgeError
from shipyard.ci.forges.hooks import HookEvent
from shipyard.ci.pipelines import repository, statuses
from shipyard.ci.pipelines.models import Pipeline, Step, Workflow
from shipyard.ci.repos import service as repos
from shipyard.ci.repos.models import Repo
from shipyard.ci.secrets import service as secrets
from shipyard.ci.status import ACTIVE, FINISHED, Status, merge
from shipyard.core.db import utcnow
from shipyard.core.errors import Conflict, NotFound, ValidationFailed

SKIP_MARKERS = re.compile(r"\[(?:ci skip|skip ci)\]", re.IGNORECASE)
SKIP_EVENTS = ("push", "pull_request")
NO_APPROVAL_EVENTS = ("cron", "manual")


def now() -> int:
    return int(time.time())


@dataclass
class Trigger:
    """What started a pipeline, before Shipyard looked at the commit.

    A webhook may bring what it knows (message, author, changed files, pull request details);
    what it leaves empty is read from the forge. `branch` defaults to the one `ref` names.
    """

    event: str
    ref: str
    commit: str = ""
    before: str = ""
    sender: str = ""
    message: str = ""
    variables: dict[str, str] = field(default_factory=dict)
    cron: str = ""
    deploy_to: str = ""
    deploy_task: str = ""
    parent: int = 0
    rerun_count: int = 0
    user_id: int | None = None
    branch: str = ""
    refspec: str = ""
    title: str = ""
    author: str = ""
    email: str = ""
    avatar: str = ""
    forge_url: str = ""
    changed_files: list[str] | None = None
    pull: int = 0
    pr_labels: list[str] = field(default_factory=list)
    pr_milestone: str = ""
    pr_draft: bool = False
    from_fork: bool = False
    release_title: str = ""
    is_prerelease: bool = False

    @property
    def ref_branch(self) -> str:
        if self.branch:
            return self.branch
        return self.ref.removeprefix("refs/heads/") if self.ref.startswith("refs/heads/") else ""


def trigger_of_hook(hook: HookEvent) -> Trigger:
    """The trigger of a forge webhook's event."""
    return Trigger(
        event=hook.event,
        ref=hook.ref,
        commit=hook.commit,
        before=hook.before,
        sender=hook.sender[:255],
        message=hook.message,
        branch=hook.branch,
        refspec=hook.refspec,
        title=hook.title,
        author=hook.author,
        email=hook.email,
        avatar=hook.avatar,
        forge_url=hook.forge_url,
        changed_files=hook.changed_files,
        pull=hook.pull,
        pr_labels=hook.pr_labels,
        pr_milestone=hook.pr_milestone,
        pr_draft=hook.pr_draft,
        from_fork=hook.from_fork,
        release_title=hook.release_title,
        is_prerelease=hook.is_prerelease,
    )


def _approval_needed(repo: Repo, trigger: Trigger) -> bool:
    if trigger.event in NO_APPROVAL_EVENTS or trigger.sender in repo.approval_allowed_users:
        return False
    mode = repo.require_approval
    if mode == "all_events":
        return True
    if mode == "forks":
        return trigger.from_fork
    return mode == "pull_requests" and trigger.event.startswith("pull_request")


def _meta(
    repo: Repo, pipeline: Pipeline, prev: Pipeline | None, server_url: str, forge_type: str
) -> Metadata:
    def pipe(p: Pipeline) -> PipelineMeta:
        return PipelineMeta(
            number=p.number,
            parent=p.parent,
            created=p.created,
            started=p.started,
            finished=p.finished,
            status=p.status,
            event=p.event,
            event_reason=p.event_reason,
            forge_url=p.forge_url,
            target=p.deploy_to,
            task=p.deploy_task,
            author=p.author,
            avatar=p.author_avatar,
            cron=p.cron,
            rerun_count=p.rerun_count,
            release=Release(title=p.release_title, is_prerelease=p.is_prerelease),
            commit=Commit(
                sha=p.commit,
                ref=p.ref,
                refspec=p.refspec,
                branch=p.branch,
                message=p.message,
                timestamp=p.timestamp,
                author=Author(name=p.author, email=p.author_email),
                changed_files=p.changed_files,
                labels=p.pr_labels,
                milestone=p.pr_milestone,
                draft=p.pr_draft,
            ),
        )

    curr = pipe(pipeline)
    curr.status = ""
    return Metadata(
        id=str(pipeline.number),
        repo=RepoMeta(
            id=repo.id,
            org_id=repo.org_id,
            name=repo.name,
            owner=repo.owner,
            remote_id=repo.forge_remote_id,
            forge_url=repo.forge_url,
            clone_url=repo.clone_url,
            clone_url_ssh=repo.clone_url_ssh,
            default_branch=repo.default_branch,
            private=repo.private,
            trusted=Trusted(**repo.trusted),
        ),
        curr=curr,
        prev=pipe(prev) if prev else PipelineMeta(),
        sys=System(
            name="shipyard",
            url=server_url,
            host=re.sub(r"^https?://", "", server_url).split("/")[0],
            arch="linux/amd64",
            version=__version__,
        ),
        forge=ForgeMeta(type=forge_type, url=repo.forge_url),
    )


def _payload(workflow: CompiledWorkflow) -> str:
    return json.dumps(
        {"stages": [[s.model_dump() for s in stage] for stage in workflow.stages], "mask": workflow.mask}
    )


def payload_of(workflow: Workflow) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(workflow.payload)
    return data


def _config_dicts(configs: Sequence[ConfigFile]) -> list[dict[str, str]]:
    return [
        {"name": c.name, "hash": hashlib.sha256(c.data.encode()).hexdigest(), "data": c.data} for c in configs
    ]


async def create(session: AsyncSession, repo: Repo, trigger: Trigger, *, server_url: str) -> Pipeline | None:
    """Fetch the commit, compile its configs and store the pipeline with its queued workflows.

    None when nothing should run: `[ci skip]`, or every workflow filtered out by its `when`.
    A config that cannot be read, parsed or compiled makes a pipeline in `error`.
    """
    if not repo.active:
        raise ValidationFailed({"repo": ["The repository is not active."]})
    forge = await forges.get(session, repo.forge_id)
    adapter = forges.adapter(forge)
    try:
        info = await adapter.commit(repo, trigger.commit or trigger.ref)
        message = trigger.message or info.message
        if trigger.event in SKIP_EVENTS and SKIP_MARKERS.search(message):
            return None
        changed = trigger.changed_files
        if changed is None:
            changed = (
                await adapter.changed_files(repo, trigger.before, info.sha, trigger.pull)
                if trigger.event == "push" or trigger.event.startswith("pull_request")
                else []
            )
        configs = await adapter.config_files(repo, info.sha, repo.config_file)
    except ForgeError as exc:
        raise ValidationFailed(
            {"ref": [f"The forge cannot give {trigger.commit or trigger.ref}: {exc}"]}
        ) from None
    sha = info.sha
    stamp = now()
    branch = trigger.ref_branch or (repo.default_branch if trigger.event in ("cron", "manual") else "")
    pipeline = Pipeline(
        repo_id=repo.id,
        number=0,
        parent=trigger.parent,
        event=trigger.event,
        status=Status.CREATED,
        created=stamp,
        updated=stamp,
        commit=sha,
        branch=branch,
        ref=trigger.ref,
        refspec=trigger.refspec,
        title=(trigger.title or message or " ").splitlines()[0].strip()[:1000],
        message=message,
        timestamp=info.timestamp,
        sender=trigger.sender or info.author,
        author=trigger.author or info.author,
        author_email=trigger.email or info.email,
        forge_url=trigger.forge_url or repo.forge_url,
        changed_files=changed,
        variables=trigger.variables,
        cron=trigger.cron,
        deploy_to=trigger.deploy_to,
        deploy_task=trigger.deploy_task,
        rerun_count=trigger.rerun_count,
        tag_title=trigger.ref.removeprefix("refs/tags/") if trigger.event in ("tag", "release") else "",
        configs=_config_dicts(configs),
        user_id=trigger.user_id,
        errors=[],
        event_reason=[],
        cancel_info={},
        started=0,
        finished=0,
        author_avatar=(trigger.avatar or info.avatar)[:1000],
        pr_labels=trigger.pr_labels,
        pr_milestone=trigger.pr_milestone[:255],
        pr_draft=trigger.pr_draft,
        from_fork=trigger.from_fork,
        release_title=trigger.release_title[:255],
        is_prerelease=trigger.is_prerelease,
    )
    prev = await repository.latest(session, repo.id, branch or None)
    entries = await secrets.for_pipeline(session, repo.org_id, repo.id)
    guess = (prev.number if prev else 0) + 1
    netrc = adapter.netrc(repo)
    result = _compile(repo, pipeline, prev, configs, entries, trigger, guess, server_url, forge.type, netrc)
    if not result.failed and not result.workflows and configs:
        return None
    pipeline.number = await repos.next_number(session, repo.id)
    if pipeline.number != guess:  # another pipeline took the number meanwhile: CI_* must be right
        result = _compile(
            repo, pipeline, prev, configs, entries, trigger, pipeline.number, server_url, forge.type, netrc
        )
    session.add(pipeline)
    await session.flush()
    if not configs:
        _fail(
            pipeline,
            [
                {
                    "type": "generic",
                    "message": "no pipeline config found (.woodpecker/*.yaml, "
                    ".woodpecker.yaml or .woodpecker.yml)",
                    "is_warning": False,
                    "data": None,
                }
            ],
        )
        await statuses.report(session, pipeline)
        return pipeline
    if result.failed:
        _fail(pipeline, [e.as_dict() for e in result.errors])
        await statuses.report(session, pipeline)
        return pipeline
    pipeline.errors = [e.as_dict() for e in result.errors]
    blocked = _approval_needed(repo, trigger)
    pipeline.status = Status.BLOCKED if blocked else Status.PENDING
    state = Status.BLOCKED if blocked else Status.PENDING
    for compiled in result.workflows:
        workflow = Workflow(
            pipeline_id=pipeline.id,
            repo_id=repo.id,
            pid=compiled.pid,
            name=compiled.name,
            state=state,
            environ=compiled.environ,
            depends_on=compiled.depends_on,
            runs_on=compiled.runs_on,
            labels={**compiled.labels, "repo": repo.full_name, "org-id": str(repo.org_id)},
            timeout_seconds=repo.timeout * 60,
            payload=_payload(compiled),
            queued_at=utcnow(),
            platform=compiled.labels.get("platform", ""),
        )
        session.add(workflow)
        await session.flush()
        for spec in compiled.steps:
            session.add(
                Step(
                    uuid=spec.uuid,
                    pipeline_id=pipeline.id,
                    workflow_id=workflow.id,
                    pid=spec.pid,
                    ppid=compiled.pid,
                    name=spec.name,
                    state=state,
                    type=spec.type,
                    failure=spec.failure,
                )
            )
    await session.flush()
    await statuses.report(session, pipeline)
    if not blocked:
        await _cancel_superseded(session, repo, pipeline)
    return pipeline


def _compile(
    repo: Repo,
    pipeline: Pipeline,
    prev: Pipeline | None,
    configs: Sequence[ConfigFile],
    entries: Sequence[SecretEntry],
    trigger: Trigger,
    number: int,
    server_url: str,
    forge_type: str,
    netrc: Netrc | None,
) -> CompileResult:
    pipeline.number = number
    meta = _meta(repo, pipeline, prev, server_url, forge_type)
    return compile_pipeline(configs, meta, secrets=entries, variables=trigger.variables, netrc=netrc)


def _fail(pipeline: Pipeline, errors: list[dict[str, Any]]) -> None:
    stamp = now()
    pipeline.status = Status.ERROR
    pipeline.errors = errors
    pipeline.started = pipeline.finished = pipeline.updated = stamp


async def _cancel_superseded(session: AsyncSession, repo: Repo, pipeline: Pipeline) -> None:
    if pipeline.event not in repo.cancel_previous_pipeline_events:
        return
    for other in await repository.active_pipelines(session, repo.id):
        if other.id == pipeline.id or other.event != pipeline.event:
            continue
        same = other.branch == pipeline.branch if pipeline.event == "push" else other.ref == pipeline.ref
        if same:
            await cancel_pipeline(session, other, superseded_by=pipeline.number)


async def refresh(session: AsyncSession, pipeline: Pipeline) -> None:
    """Recompute a pipeline's status from its workflows once they are settled.

    The pipeline's row is locked first: two workflows that finish at once on PostgreSQL would
    otherwise each see the other still running, and the pipeline would stay running for good."""
    await session.flush()
    await repository.lock(session, pipeline.id)
    workflows = await repository.workflows(session, pipeline.id)
    stamp = now()
    pipeline.updated = stamp
    if pipeline.status in (Status.BLOCKED, Status.DECLINED, Status.ERROR):
        return
    states = [w.state for w in workflows]
    if any(s in ACTIVE for s in states):
        if any(s == Status.RUNNING for s in states) or pipeline.started:
            pipeline.status = Status.RUNNING
        return
    if pipeline.cancel_info:
        pipeline.status = Status.KILLED if any(w.started for w in workflows) else Status.CANCELED
    else:
        pipeline.status = merge(states)
    if not pipeline.started:
        pipeline.started = stamp
    if not pipeline.finished:
        pipeline.finished = stamp
        await statuses.report(session, pipeline)


def workflow_status(steps: Sequence[Step]) -> Status:
    """A finished workflow: the merge of its steps; failures with `failure: ignore` do not count."""
    counted = [s.state for s in steps if not (s.failure == "ignore" and s.state == Status.FAILURE)]
    return merge(counted)


async def cancel_pipeline(
    session: AsyncSession, pipeline: Pipeline, *, user: str = "", superseded_by: int = 0, step: str = ""
) -> None:
    """Pending workflows are skipped and their steps canceled; running ones are told to stop (their
    agents finish them as killed)."""
    if pipeline.status not in (Status.PENDING, Status.RUNNING, Status.BLOCKED):
        raise Conflict(f"A {pipeline.status} pipeline cannot be canceled.")
    pipeline.cancel_info = {
        "canceled_by_user": user,
        "superseded_by": superseded_by,
        "canceled_by_step": step,
    }
    stamp = now()
    for workflow in await repository.workflows(session, pipeline.id):
        if workflow.state in (Status.PENDING, Status.BLOCKED) and workflow.agent_id is None:
            workflow.state = Status.SKIPPED
            workflow.finished = stamp
            for s in await repository.steps(session, workflow.id):
                if s.state in (Status.PENDING, Status.BLOCKED):
                    s.state = Status.CANCELED
        elif workflow.state in ACTIVE:
            workflow.cancel_requested = True
    if pipeline.status == Status.BLOCKED:
        pipeline.status = Status.PENDING  # let refresh settle it as canceled
    await session.flush()
    await refresh(session, pipeline)


async def get_pipeline(session: AsyncSession, repo: Repo, number: int) -> Pipeline:
    pipeline = await repository.pipeline_by_number(session, repo.id, number)
    if pipeline is None:
        raise NotFound("pipeline")
    return pipeline


async def latest(session: AsyncSession, repo: Repo, branch: str | None) -> Pipeline:
    pipeline = await repository.latest(session, repo.id, branch)
    if pipeline is None:
        raise NotFound("pipeline")
    return pipeline


async def newest(session: AsyncSession, repo: Repo) -> Pipeline | None:
    return await repository.latest(session, repo.id)


async def cancel(session: AsyncSession, user: User, repo: Repo, number: int) -> Pipeline:
    pipeline = await get_pipeline(session, repo, number)
    await cancel_pipeline(session, pipeline, user=user.name)
    return pipeline


async def approve(session: AsyncSession, user: User, repo: Repo, number: int) -> Pipeline:
    pipeline = await get_pipeline(session, repo, number)
    if pipeline.status != Status.BLOCKED:
        raise Conflict("Only a blocked pipeline can be approved.")
    pipeline.status = Status.PENDING
    pipeline.reviewed_by, pipeline.reviewed = user.name, now()
    for workflow in await repository.workflows(session, pipeline.id):
        workflow.state = Status.PENDING
        workflow.queued_at = utcnow()
        for s in await repository.steps(session, workflow.id):
            s.state = Status.PENDING
    await refresh(session, pipeline)
    return pipeline


async def decline(session: AsyncSession, user: User, repo: Repo, number: int) -> Pipeline:
    pipeline = await get_pipeline(session, repo, number)
    if pipeline.status != Status.BLOCKED:
        raise Conflict("Only a blocked pipeline can be declined.")
    stamp = now()
    pipeline.status = Status.DECLINED
    pipeline.reviewed_by, pipeline.reviewed = user.name, stamp
    pipeline.started = pipeline.finished = pipeline.updated = stamp
    for workflow in await repository.workflows(session, pipeline.id):
        workflow.state = Status.DECLINED
        for s in await repository.steps(session, workflow.id):
            s.state = Status.DECLINED
    await statuses.report(session, pipeline)
    return pipeline


async def restart(
    session: AsyncSession,
    user: User,
    repo: Repo,
    number: int,
    *,
    event: str | None,
    deploy_to: str,
    variables: dict[str, str],
    server_url: str,
) -> Pipeline:
    """A new pipeline for the same commit, with `parent` = the old number and one more rerun."""
    old = await get_pipeline(session, repo, number)
    if old.status == Status.BLOCKED:
        raise Conflict("A blocked pipeline cannot be restarted: approve or decline it.")
    new_event = old.event
    if event:
        if event != "deployment":
            raise ValidationFailed({"event": ["Only event=deployment may be given on restart."]})
        if not deploy_to:
            raise ValidationFailed({"deploy_to": ["A deployment needs deploy_to."]})
        new_event = event
    trigger = Trigger(
        event=new_event,
        ref=old.ref,
        commit=old.commit,
        sender=user.name,
        message=old.message,
        branch=old.branch,
        refspec=old.refspec,
        title=old.title,
        changed_files=list(old.changed_files),
        pr_labels=list(old.pr_labels),
        pr_milestone=old.pr_milestone,
        pr_draft=old.pr_draft,
        from_fork=old.from_fork,
        release_title=old.release_title,
        is_prerelease=old.is_prerelease,
        cron=old.cron,
        variables={**old.variables, **variables},
        deploy_to=deploy_to or old.deploy_to,
        deploy_task=old.deploy_task,
        parent=old.number,
        rerun_count=old.rerun_count + 1,
        user_id=user.id,
    )
    created = await create(session, repo, trigger, server_url=server_url)
    if created is None:
        raise ValidationFailed({"pipeline": ["Every workflow of this pipeline is filtered out now."]})
    return created


async def manual(
    session: AsyncSession, user: User, repo: Repo, *, branch: str, variables: dict[str, str], server_url: str
) -> Pipeline:
    branch = branch or repo.default_branch
    if not re.fullmatch(r"[A-Za-z0-9._/+-]{1,200}", branch) or ".." in branch:
        raise ValidationFailed({"branch": ["The branch name is not valid."]})
    trigger = Trigger(
        event="manual", ref=f"refs/heads/{branch}", sender=user.name, variables=variables, user_id=user.id
    )
    created = await create(session, repo, trigger, server_url=server_url)
    if created is None:
        raise ValidationFailed(
            {"branch": ["Every workflow is filtered out for a manual run on this branch."]}
        )
    return created


async def delete(session: AsyncSession, repo: Repo, number: int) -> None:
    pipeline = await get_pipeline(session, repo, number)
    if pipeline.status in (Status.PENDING, Status.RUNNING):
        raise Conflict("Cancel the pipeline before deleting it.")
    await repository.delete_pipeline(session, pipeline)


async def page(
    session: AsyncSession, repo: Repo, filters: dict[str, Any], *, offset: int, limit: int
) -> tuple[Sequence[Pipeline], int]:
    return await repository.pipelines_page(session, repo.id, filters, offset=offset, limit=limit)


async def details(
    session: AsyncSession, pipelines: Sequence[Pipeline]
) -> tuple[Sequence[Workflow], Sequence[Step]]:
    ids = [p.id for p in pipelines]
    if not ids:
        return [], []
    return await repository.workflows_of(session, ids), await repository.steps_of(session, ids)


async def metadata(session: AsyncSession, repo: Repo, number: int, server_url: str) -> Metadata:
    pipeline = await get_pipeline(session, repo, number)
    forge = await forges.get(session, repo.forge_id)
    prev = await repository.latest(session, repo.id, pipeline.branch or None)
    if prev is not None and prev.number >= pipeline.number:
        prev = None
    return _meta(repo, pipeline, prev, server_url, forge.type)


async def feed(
    session: AsyncSession, repo_ids: Sequence[int] | None, *, statuses: Sequence[str] | None, limit: int = 50
) -> Sequence[Pipeline]:
    return await repository.feed(session, repo_ids, statuses=statuses, limit=limit)


def is_finished(status: str) -> bool:
    return status in FINISHED


async def step_by_id(session: AsyncSession, step_id: int) -> Step | None:
    return await repository.step(session, step_id)


async def updated_since(session: AsyncSession, since: int, after_id: int) -> Sequence[Pipeline]:
    """Pipelines changed at or after `since` (unix seconds), past (`since`, `after_id`)."""
    return await repository.updated_since(session, since, after_id)
