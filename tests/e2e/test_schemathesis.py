"""Property-based fuzzing of every operation in `/swagger.v1.json`: whatever is sent, never a 5xx.

Schemathesis loads the live server's own OpenAPI document and generates valid (positive) and
invalid (negative) requests for each operation, authenticated as the administrator with a Bearer
token, on both backends. Only the `not_a_server_error` check runs: 4xx answers for generated data
(401 on the password-only token endpoint, 404 for unknown users, 422 for invalid bodies) are fine.

`schemathesis.pytest.from_fixture` would be the natural loader, but schemathesis 4.32 sets
`request.node._nodeid`, which pytest 9 no longer has, so the lazy loader fails before running a
single case. Instead each operation is a pytest item of its own: the operations are listed from
the in-process app at collection time, and `test_every_operation_is_fuzzed` checks that the live
document has exactly those, so nothing goes untested silently. No operation is excluded.

The fuzzer creates users, credentials and tokens, deletes tokens and cancels jobs by guessed ids,
which would break the "leave global state alone" contract of the shared `server`; so it gets a
private server on the same backend, with a write rate limit high enough that POSTs and DELETEs
reach their handlers instead of stopping at 429.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.schemas import OpenApiSchema

from shipyard.app import create_app
from tests.support.api import admin
from tests.support.server import ShipyardServer

ServerFactory = Callable[..., ShipyardServer]  # the `start_server` fixture of tests/conftest.py

SEED = 20240601
MAX_EXAMPLES = 20  # per operation and generation mode
FUZZ_ENV = {"SHIPYARD_RATE_LIMIT_WRITES": "1000000"}
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _documented_operations() -> list[str]:
    document = create_app().openapi()
    return sorted(
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    )


OPERATIONS = _documented_operations()


@pytest.fixture(scope="module")
def fuzz_server(server: ShipyardServer, start_server: ServerFactory) -> ShipyardServer:
    """A private server on the backend `server` is parametrized with."""
    return start_server(server.backend, FUZZ_ENV)


@pytest.fixture(scope="module")
def api_schema(fuzz_server: ShipyardServer) -> OpenApiSchema:
    config = schemathesis.Config(seed=SEED)
    config.projects.default.update(request_timeout=30)
    config.projects.default.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
    return schemathesis.openapi.from_url(f"{fuzz_server.url}/swagger.v1.json", config=config)


@pytest.fixture(scope="module")
def admin_session(fuzz_server: ShipyardServer) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {admin(fuzz_server).token}"
        yield session


def test_every_operation_is_fuzzed(api_schema: OpenApiSchema) -> None:
    live = sorted(result.ok().label for result in api_schema.get_all_operations() if isinstance(result, Ok))
    assert live == OPERATIONS


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("label", OPERATIONS)
def test_no_server_errors(
    api_schema: OpenApiSchema, admin_session: requests.Session, label: str, mode: GenerationMode
) -> None:
    method, path = label.split(" ", 1)
    operation = api_schema[path][method]

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(session=admin_session, checks=[not_a_server_error])

    run()
