"""Pipelines, workflows and steps as the API shows them."""

from __future__ import annotations

from collections.abc import Sequence

from shipyard.ci.pipelines.models import Pipeline, Step, Workflow
from shipyard.ci.pipelines.schemas import (
    CancelInfo,
    FeedOut,
    PipelineErrorOut,
    PipelineOut,
    Release,
    StepOut,
    WorkflowOut,
)
from shipyard.ci.repos.models import Repo

VERSION = "shipyard"


def step_out(step: Step) -> StepOut:
    return StepOut(
        id=step.id,
        uuid=step.uuid,
        pipeline_id=step.pipeline_id,
        pid=step.pid,
        ppid=step.ppid,
        name=step.name,
        state=step.state,
        error=step.error,
        exit_code=step.exit_code,
        started=step.started,
        finished=step.finished,
        type=step.type,
    )


def workflow_out(workflow: Workflow, steps: Sequence[Step]) -> WorkflowOut:
    return WorkflowOut(
        id=workflow.id,
        pipeline_id=workflow.pipeline_id,
        pid=workflow.pid,
        name=workflow.name,
        state=workflow.state,
        error=workflow.error,
        started=workflow.started,
        finished=workflow.finished,
        agent_id=workflow.agent_id or 0,
        platform=workflow.platform,
        environ=workflow.environ,
        children=[step_out(s) for s in steps if s.workflow_id == workflow.id],
    )


def _release(pipeline: Pipeline) -> Release:
    return Release(title=pipeline.release_title, is_prerelease=pipeline.is_prerelease)


def pipeline_out(
    pipeline: Pipeline, workflows: Sequence[Workflow] = (), steps: Sequence[Step] = ()
) -> PipelineOut:
    return PipelineOut(
        id=pipeline.id,
        number=pipeline.number,
        parent=pipeline.parent,
        event=pipeline.event,
        event_reason=pipeline.event_reason,
        status=pipeline.status,
        errors=[PipelineErrorOut(**e) for e in pipeline.errors],
        created=pipeline.created,
        updated=pipeline.updated,
        started=pipeline.started,
        finished=pipeline.finished,
        deploy_to=pipeline.deploy_to,
        deploy_task=pipeline.deploy_task,
        commit=pipeline.commit,
        branch=pipeline.branch,
        ref=pipeline.ref,
        refspec=pipeline.refspec,
        title=pipeline.title,
        message=pipeline.message,
        timestamp=pipeline.timestamp,
        sender=pipeline.sender,
        author=pipeline.author,
        author_avatar=pipeline.author_avatar,
        author_email=pipeline.author_email,
        forge_url=pipeline.forge_url,
        reviewed_by=pipeline.reviewed_by,
        reviewed=pipeline.reviewed,
        cancel_info=CancelInfo(**pipeline.cancel_info),
        workflows=[workflow_out(w, steps) for w in workflows if w.pipeline_id == pipeline.id],
        changed_files=pipeline.changed_files,
        variables=pipeline.variables,
        pr_labels=pipeline.pr_labels,
        pr_milestone=pipeline.pr_milestone,
        pr_draft=pipeline.pr_draft,
        cron=pipeline.cron,
        from_fork=pipeline.from_fork,
        release=_release(pipeline),
        is_prerelease=pipeline.is_prerelease,
        tag_title=pipeline.tag_title,
        rerun_count=pipeline.rerun_count,
        version=VERSION,
    )


def feed_out(pipeline: Pipeline, repo: Repo) -> FeedOut:
    return FeedOut(
        repo_id=repo.id,
        full_name=repo.full_name,
        id=pipeline.id,
        number=pipeline.number,
        event=pipeline.event,
        status=pipeline.status,
        created=pipeline.created,
        started=pipeline.started,
        finished=pipeline.finished,
        commit=pipeline.commit,
        branch=pipeline.branch,
        ref=pipeline.ref,
        refspec=pipeline.refspec,
        title=pipeline.title,
        message=pipeline.message,
        author=pipeline.author,
        author_avatar=pipeline.author_avatar,
        author_email=pipeline.author_email,
        release=_release(pipeline),
        tag_title=pipeline.tag_title,
    )
