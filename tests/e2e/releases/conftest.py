"""Fixtures of the zero-downtime deployment tests: a git repository and two web hosts per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.hosts import Host, HostPool
from tests.support.releases import GitRepository, web_hosts


@pytest.fixture(scope="module")
def repo() -> Iterator[GitRepository]:
    repository = GitRepository()
    yield repository
    repository.close()


@pytest.fixture(scope="module")
def web(hosts: HostPool) -> Iterator[list[Host]]:
    started = web_hosts(hosts, 2)
    yield started
    for host in started:
        hosts.down(host)
