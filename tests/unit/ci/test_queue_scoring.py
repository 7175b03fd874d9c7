"""Label scores and the best-score choice between waiting agents (Woodpecker: exact = 10, `*` = 1,
a mismatch = 0; the task goes to the waiting runner with the top score)."""

from __future__ import annotations

from shipyard.ci.agents.service import outscored, score

TASK = {"pool": "gpu", "repo": "alice/app", "org-id": "3"}
WILD = {"pool": "*", "repo": "*", "org-id": "*"}
EXACT = {"pool": "gpu", "repo": "*", "org-id": "*"}
ORG = {"pool": "gpu", "repo": "*", "org-id": "3"}


def test_scores() -> None:
    assert score(TASK, WILD) == 3
    assert score(TASK, EXACT) == 12
    assert score(TASK, ORG) == 21
    assert score(TASK, {**WILD, "pool": "cpu"}) == 0
    assert score({**TASK, "arch": "arm64"}, WILD) == 0  # a label the agent does not have
    assert score({**TASK, "pool": ""}, {"repo": "*", "org-id": "*"}) == 2  # empty labels match anything
    assert score({"repo": "a/b", "org-id": "3"}, {**WILD, "!pool": "gpu"}) == 0  # exclusive agent
    assert score(TASK, {**WILD, "!pool": "gpu"}) == 12


def test_a_better_waiting_agent_takes_the_task() -> None:
    assert outscored(TASK, score(TASK, WILD), [EXACT])
    assert outscored(TASK, score(TASK, EXACT), [WILD, ORG])
    assert not outscored(TASK, score(TASK, EXACT), [WILD, EXACT])  # a tie: whoever polls first
    assert not outscored(TASK, score(TASK, ORG), [EXACT, WILD])
    assert not outscored(TASK, score(TASK, WILD), [])
    assert not outscored(TASK, score(TASK, WILD), [{**EXACT, "pool": "cpu"}])  # it cannot run it
