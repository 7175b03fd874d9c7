"""Why a workflow waits in the queue: dependencies first, then labels, paused agents, agents that
never connected, and agents at capacity (the browser test sees these on the queue page)."""

from __future__ import annotations

from collections import Counter

from shipyard.ci.agents.models import Agent
from shipyard.ci.pipelines.models import Workflow
from shipyard.ci.queue.info import why_waiting

LABELS = {"pool": "gpu", "repo": "alice/app", "org-id": "3"}


def _workflow(name: str, state: str = "pending", depends_on: list[str] | None = None) -> Workflow:
    return Workflow(id=hash(name) % 1000, name=name, state=state, labels=LABELS, depends_on=depends_on or [])


def _agent(agent_id: int, *, pool: str = "gpu", capacity: int = 1, paused: bool = False) -> Agent:
    return Agent(
        id=agent_id,
        name=f"agent{agent_id}",
        org_id=-1,
        custom_labels={"pool": pool},
        capacity=capacity,
        no_schedule=paused,
        hostname="",
        platform="",
        backend="",
    )


def test_the_first_reason_that_applies() -> None:
    build, publish = _workflow("build", "running"), _workflow("publish", depends_on=["build"])
    gpu = _agent(1)
    assert why_waiting(publish, [build, publish], [gpu], Counter()) == (
        "Waiting for a dependency to finish: build."
    )
    alone = _workflow("alone")
    assert why_waiting(alone, [alone], [_agent(2, pool="cpu")], Counter()) == (
        "No agent has labels matching org-id=3, pool=gpu, repo=alice/app."
    )
    assert why_waiting(alone, [alone], [_agent(1, paused=True)], Counter()) == (
        "Every matching agent is paused (no_schedule): agent1."
    )
    assert why_waiting(alone, [alone], [_agent(1, capacity=0)], Counter()) == (
        "No matching agent has connected yet: agent1."
    )
    assert why_waiting(alone, [alone], [gpu, _agent(2, capacity=2)], Counter({1: 1, 2: 2})) == (
        "All matching agents are at capacity: agent1 (1/1), agent2 (2/2)."
    )
    assert why_waiting(alone, [alone], [gpu], Counter()) == "Next in line: agent1 takes it on its next poll."
    finished = _workflow("build", "success")
    assert why_waiting(publish, [finished, publish], [gpu], Counter()).startswith("Next in line")
