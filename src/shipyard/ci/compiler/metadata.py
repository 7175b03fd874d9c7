"""What a pipeline knows about itself (Woodpecker's `metadata.Metadata`) and the CI_* variables from it."""

from __future__ import annotations

import json
import re

from pydantic import BaseModel, Field

MAX_CHANGED_FILES = 500
_PULL_REF = re.compile(r"^refs/(?:pull|merge-requests)/(\d+)/")


class Author(BaseModel):
    name: str = ""
    email: str = ""


class Commit(BaseModel):
    sha: str = ""
    ref: str = ""
    refspec: str = ""
    branch: str = ""
    message: str = ""
    timestamp: int = 0
    author: Author = Field(default_factory=Author)
    changed_files: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    milestone: str = ""
    draft: bool = False


class Release(BaseModel):
    title: str = ""
    is_prerelease: bool = False


class PipelineMeta(BaseModel):
    number: int = 0
    parent: int = 0
    created: int = 0
    started: int = 0
    finished: int = 0
    status: str = ""
    event: str = ""
    event_reason: list[str] = Field(default_factory=list)
    forge_url: str = ""
    target: str = ""
    task: str = ""
    commit: Commit = Field(default_factory=Commit)
    author: str = ""
    avatar: str = ""
    cron: str = ""
    release: Release = Field(default_factory=Release)
    rerun_count: int = 0


class Trusted(BaseModel):
    network: bool = False
    volumes: bool = False
    security: bool = False


class RepoMeta(BaseModel):
    id: int = 0
    org_id: int = 0
    name: str = ""
    owner: str = ""
    remote_id: str = ""
    forge_url: str = ""
    clone_url: str = ""
    clone_url_ssh: str = ""
    default_branch: str = ""
    private: bool = False
    trusted: Trusted = Field(default_factory=Trusted)


class WorkflowMeta(BaseModel):
    name: str = ""
    number: int = 0
    matrix: dict[str, str] = Field(default_factory=dict)


class StepMeta(BaseModel):
    name: str = ""
    number: int = 0


class System(BaseModel):
    name: str = "shipyard"
    url: str = ""
    host: str = ""
    arch: str = ""
    version: str = ""


class ForgeMeta(BaseModel):
    type: str = ""
    url: str = ""


class Metadata(BaseModel):
    id: str = ""
    repo: RepoMeta = Field(default_factory=RepoMeta)
    curr: PipelineMeta = Field(default_factory=PipelineMeta)
    prev: PipelineMeta = Field(default_factory=PipelineMeta)
    workflow: WorkflowMeta = Field(default_factory=WorkflowMeta)
    step: StepMeta = Field(default_factory=StepMeta)
    sys: System = Field(default_factory=System)
    forge: ForgeMeta = Field(default_factory=ForgeMeta)

    @property
    def full_name(self) -> str:
        return f"{self.repo.owner}/{self.repo.name}"

    def pipeline_url(self, number: int) -> str:
        return f"{self.sys.url}/repos/{self.repo.id}/pipeline/{number}"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _put(env: dict[str, str], name: str, value: object) -> None:
    """Woodpecker sets a variable only when its value is not empty."""
    text = value if isinstance(value, str) else str(value) if value not in (None, 0) else ""
    if text:
        env[name] = text


def environ(meta: Metadata) -> dict[str, str]:
    """The CI_* variables of a pipeline (workflow and step ones included when set in `meta`)."""
    env: dict[str, str] = {"CI": "woodpecker"}
    repo, curr, prev, commit = meta.repo, meta.curr, meta.prev, meta.curr.commit
    _put(env, "CI_SYSTEM_NAME", meta.sys.name)
    _put(env, "CI_SYSTEM_URL", meta.sys.url)
    _put(env, "CI_SYSTEM_HOST", meta.sys.host)
    _put(env, "CI_SYSTEM_PLATFORM", meta.sys.arch)
    _put(env, "CI_SYSTEM_VERSION", meta.sys.version)
    _put(env, "CI_FORGE_TYPE", meta.forge.type)
    _put(env, "CI_FORGE_URL", meta.forge.url)

    _put(env, "CI_REPO", meta.full_name)
    _put(env, "CI_REPO_NAME", repo.name)
    _put(env, "CI_REPO_OWNER", repo.owner)
    _put(env, "CI_REPO_REMOTE_ID", repo.remote_id)
    _put(env, "CI_REPO_URL", repo.forge_url)
    _put(env, "CI_REPO_CLONE_URL", repo.clone_url)
    _put(env, "CI_REPO_CLONE_SSH_URL", repo.clone_url_ssh)
    _put(env, "CI_REPO_DEFAULT_BRANCH", repo.default_branch)
    env["CI_REPO_PRIVATE"] = _flag(repo.private)
    env["CI_REPO_TRUSTED_NETWORK"] = _flag(repo.trusted.network)
    env["CI_REPO_TRUSTED_VOLUMES"] = _flag(repo.trusted.volumes)
    env["CI_REPO_TRUSTED_SECURITY"] = _flag(repo.trusted.security)
    env["CI_REPO_TRUSTED"] = _flag(repo.trusted.security)

    _put(env, "CI_COMMIT_SHA", commit.sha)
    _put(env, "CI_COMMIT_REF", commit.ref)
    _put(env, "CI_COMMIT_REFSPEC", commit.refspec)
    _put(env, "CI_COMMIT_MESSAGE", commit.message)
    _put(env, "CI_COMMIT_TIMESTAMP", commit.timestamp)
    _put(env, "CI_COMMIT_AUTHOR", commit.author.name)
    _put(env, "CI_COMMIT_AUTHOR_EMAIL", commit.author.email)
    _put(env, "CI_COMMIT_AUTHOR_AVATAR", curr.avatar)
    if curr.event == "tag" or commit.ref.startswith("refs/tags/"):
        _put(env, "CI_COMMIT_TAG", commit.ref.removeprefix("refs/tags/"))
    else:
        _put(env, "CI_COMMIT_BRANCH", commit.branch)
    pull = _PULL_REF.match(commit.ref)
    if curr.event.startswith("pull_request") and pull:
        source, _, target = commit.refspec.partition(":")
        _put(env, "CI_COMMIT_SOURCE_BRANCH", source)
        _put(env, "CI_COMMIT_TARGET_BRANCH", target or commit.branch)
        _put(env, "CI_COMMIT_PULL_REQUEST", pull.group(1))
        _put(env, "CI_COMMIT_PULL_REQUEST_LABELS", ",".join(commit.labels))
        _put(env, "CI_COMMIT_PULL_REQUEST_MILESTONE", commit.milestone)
        env["CI_COMMIT_PULL_REQUEST_DRAFT"] = _flag(commit.draft)
    if curr.event == "release":
        env["CI_COMMIT_PRERELEASE"] = _flag(curr.release.is_prerelease)

    _put(env, "CI_PIPELINE_NUMBER", curr.number)
    _put(env, "CI_PIPELINE_PARENT", curr.parent)
    _put(env, "CI_PIPELINE_EVENT", curr.event)
    _put(env, "CI_PIPELINE_EVENT_REASON", ",".join(curr.event_reason))
    if curr.number:
        env["CI_PIPELINE_URL"] = meta.pipeline_url(curr.number)
    _put(env, "CI_PIPELINE_FORGE_URL", curr.forge_url)
    _put(env, "CI_PIPELINE_DEPLOY_TARGET", curr.target)
    _put(env, "CI_PIPELINE_DEPLOY_TASK", curr.task)
    _put(env, "CI_PIPELINE_CREATED", curr.created)
    _put(env, "CI_PIPELINE_STARTED", curr.started)
    _put(env, "CI_PIPELINE_AUTHOR", curr.author)
    _put(env, "CI_PIPELINE_AVATAR", curr.avatar)
    _put(env, "CI_PIPELINE_RERUNS", curr.rerun_count)
    _put(env, "CI_PIPELINE_STATUS", curr.status)
    if commit.changed_files:
        env["CI_PIPELINE_FILES"] = json.dumps(commit.changed_files[:MAX_CHANGED_FILES])
    if curr.event == "release":
        _put(env, "CI_PIPELINE_RELEASE_TITLE", curr.release.title)
        env["CI_PIPELINE_RELEASE_PRE"] = _flag(curr.release.is_prerelease)

    _put(env, "CI_WORKFLOW_NAME", meta.workflow.name)
    _put(env, "CI_WORKFLOW_NUMBER", meta.workflow.number)
    _put(env, "CI_STEP_NAME", meta.step.name)
    _put(env, "CI_STEP_NUMBER", meta.step.number)
    if curr.number and meta.step.number:
        env["CI_STEP_URL"] = f"{meta.pipeline_url(curr.number)}/{meta.step.number}"

    if prev.number:
        env["CI_PREV_PIPELINE_URL"] = meta.pipeline_url(prev.number)
        env["CI_PREV_COMMIT_URL"] = prev.forge_url
    _put(env, "CI_PREV_PIPELINE_NUMBER", prev.number)
    _put(env, "CI_PREV_PIPELINE_PARENT", prev.parent)
    _put(env, "CI_PREV_PIPELINE_EVENT", prev.event)
    _put(env, "CI_PREV_PIPELINE_EVENT_REASON", ",".join(prev.event_reason))
    _put(env, "CI_PREV_PIPELINE_FORGE_URL", prev.forge_url)
    _put(env, "CI_PREV_PIPELINE_DEPLOY_TARGET", prev.target)
    _put(env, "CI_PREV_PIPELINE_DEPLOY_TASK", prev.task)
    _put(env, "CI_PREV_PIPELINE_STATUS", prev.status)
    _put(env, "CI_PREV_PIPELINE_CREATED", prev.created)
    _put(env, "CI_PREV_PIPELINE_STARTED", prev.started)
    _put(env, "CI_PREV_PIPELINE_FINISHED", prev.finished)
    _put(env, "CI_PREV_PIPELINE_AUTHOR", prev.author)
    _put(env, "CI_PREV_PIPELINE_AVATAR", prev.avatar)
    _put(env, "CI_PREV_COMMIT_SHA", prev.commit.sha)
    _put(env, "CI_PREV_COMMIT_REF", prev.commit.ref)
    _put(env, "CI_PREV_COMMIT_REFSPEC", prev.commit.refspec)
    _put(env, "CI_PREV_COMMIT_MESSAGE", prev.commit.message)
    _put(env, "CI_PREV_COMMIT_BRANCH", prev.commit.branch)
    _put(env, "CI_PREV_COMMIT_TIMESTAMP", prev.commit.timestamp)
    _put(env, "CI_PREV_COMMIT_AUTHOR", prev.commit.author.name)
    _put(env, "CI_PREV_COMMIT_AUTHOR_EMAIL", prev.commit.author.email)
    return env
