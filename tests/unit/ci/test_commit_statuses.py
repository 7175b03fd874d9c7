"""The commit statuses of a pipeline: one per workflow, Woodpecker's context names, and the
states the forges are sent."""

from __future__ import annotations

from shipyard.ci.forges import gitea, github, gitlab
from shipyard.ci.pipelines.models import Pipeline, Workflow
from shipyard.ci.pipelines.statuses import statuses
from shipyard.ci.status import Status


def workflow(pid: int, name: str, state: str) -> Workflow:
    return Workflow(pid=pid, name=name, state=state)


def test_contexts_states_and_links() -> None:
    pipeline = Pipeline(repo_id=4, number=7, event="pull_request", status="failure")
    sent = statuses(
        pipeline,
        [workflow(1, "build", "success"), workflow(3, "test", "failure"), workflow(5, "test", "killed")],
        "https://ci.example.com",
    )
    assert [(s.context, s.state, s.description) for s in sent] == [
        ("ci/woodpecker/pr/build", "success", "Pipeline was successful"),
        ("ci/woodpecker/pr/test/1", "failure", "Pipeline failed"),
        ("ci/woodpecker/pr/test/2", "killed", "Pipeline was canceled"),
    ]
    assert sent[0].target_url == "https://ci.example.com/repos/4/pipeline/7/1"


def test_a_pipeline_without_workflows_has_one_status() -> None:
    pipeline = Pipeline(repo_id=4, number=8, event="push", status="error")
    (only,) = statuses(pipeline, [], "")
    assert (only.context, only.state, only.target_url) == ("ci/woodpecker/push", "error", "")


def test_every_status_maps_to_a_state_of_each_forge() -> None:
    for states, allowed in (
        (gitea.STATES, {"pending", "success", "error", "failure", "warning"}),
        (github.STATES, {"pending", "success", "error", "failure"}),
        (gitlab.STATES, {"pending", "running", "success", "failed", "canceled", "skipped"}),
    ):
        assert set(states) == set(Status) and set(states.values()) <= allowed
