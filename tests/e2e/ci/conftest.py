"""Fixtures of the CI end-to-end tests: a CI-tuned server per module, a `git` forge over a
temporary directory of bare repositories, a fresh repository owner, and agents that are
stopped after each test."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ServerFactory
from tests.support.api import Account, admin, client, new_user
from tests.support.ci import CI_ENV, Agent
from tests.support.server import ShipyardServer


@pytest.fixture(scope="module")
def ci_server(server: ShipyardServer, start_server: ServerFactory) -> ShipyardServer:
    """A server of the `server` fixture's backend with short CI leases and fast queue ticks."""
    return start_server(server.backend, CI_ENV)


@pytest.fixture(scope="module")
def ci_admin(ci_server: ShipyardServer) -> Account:
    return admin(ci_server)


@pytest.fixture(scope="module")
def git_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="shipyard-ci-git-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def forge_id(ci_server: ShipyardServer, ci_admin: Account, git_root: Path) -> int:
    with client(ci_server, ci_admin) as http:
        response = http.post("/api/forges", json={"type": "git", "url": str(git_root)})
        assert response.status_code == 200, response.text
        return int(response.json()["id"])


@pytest.fixture
def owner(ci_server: ShipyardServer, ci_admin: Account) -> Account:
    return new_user(ci_server, ci_admin)


@pytest.fixture
def agents(ci_server: ShipyardServer, ci_admin: Account) -> Iterator[list[Agent]]:
    """Agents started with `start_agent(..., agents, ...)`; all are stopped (and reaped) after the test."""
    started: list[Agent] = []
    yield started
    for agent in started:
        agent.stop()
