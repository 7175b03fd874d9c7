"""A Schemathesis run over every operation in `/swagger.v1.json`: whatever is sent, never a 5xx.

Schemathesis loads the live server's own OpenAPI document and runs the phases of `schemathesis run`
(examples, coverage, fuzzing, stateful) with valid and invalid inputs, as the administrator with a
Bearer token, on both backends. Only the `not_a_server_error` check is enabled: 4xx answers for
generated data (401 on the password-only token endpoint, 404 for unknown users, 422 for invalid
bodies, 403/429) are fine.

Why the engine rather than the pytest plugin: `schemathesis.pytest.from_fixture`, the loader for a
schema that only exists once a fixture has started the server, sets `request.node._nodeid`, which
pytest 9 no longer has, so it fails before sending anything (schemathesis 4.32.5, pytest 9.2). The
engine is what `schemathesis run` uses; the test collects every failed check and engine error and
checks that every documented operation was actually exercised, so nothing is skipped silently.
No operation is excluded.

The fuzzer creates users, credentials and tokens, deletes tokens and cancels jobs by guessed ids,
which would break the "leave global state alone" contract of the shared `server`; so it gets a
private server on the same backend, with a write rate limit high enough that POSTs and DELETEs
reach their handlers instead of stopping at 429.
"""

from __future__ import annotations

import pytest
import schemathesis
from schemathesis.engine import Status, events, from_schema
from schemathesis.specs.openapi.schemas import OpenApiSchema

from shipyard.app import create_app
from tests.conftest import ServerFactory
from tests.support.api import admin
from tests.support.server import ShipyardServer

SEED = 20240601
MAX_EXAMPLES = 10  # fuzzing cases per operation; the coverage phase adds its own boundary cases
# CI's server-sent event streams end after a second here (clients reconnect), so that fuzzing them
# does not wait for the default hour.
FUZZ_ENV = {"SHIPYARD_RATE_LIMIT_WRITES": "1000000", "SHIPYARD_CI_STREAM_SECONDS": "1"}
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def documented_operations() -> set[str]:
    """`METHOD /path` of every operation the app documents, from the app itself."""
    document = create_app().openapi()
    return {
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method in HTTP_METHODS
    }


@pytest.fixture(scope="module")
def fuzz_server(server: ShipyardServer, start_server: ServerFactory) -> ShipyardServer:
    """A private server on the backend `server` is parametrized with."""
    return start_server(server.backend, FUZZ_ENV)


@pytest.fixture(scope="module")
def api_schema(fuzz_server: ShipyardServer) -> OpenApiSchema:
    config = schemathesis.Config(seed=SEED)
    project = config.projects.default
    project.update(
        headers={"Authorization": f"Bearer {admin(fuzz_server).token}"}, workers=1, request_timeout=30
    )
    project.checks.update(included_check_names=["not_a_server_error"])
    project.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
    return schemathesis.openapi.from_url(f"{fuzz_server.url}/swagger.v1.json", config=config)


def test_no_server_errors(api_schema: OpenApiSchema) -> None:
    problems: list[str] = []
    exercised: dict[str, int] = {}
    finished: events.EngineFinished | None = None
    for event in from_schema(api_schema).execute():
        if isinstance(event, events.ScenarioFinished):
            label = event.label or "stateful"  # stateful scenarios span operations and carry no label
            if event.label is not None:
                exercised[label] = exercised.get(label, 0) + len(event.recorder.cases)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.SUCCESS:
                        continue
                    detail = (
                        f"{check.failure_info.failure.title}\n  {check.failure_info.code_sample}"
                        if check.failure_info
                        else str(check.status)
                    )
                    problems.append(f"[{event.phase}] {label}: {check.name}: {detail}")
        elif isinstance(event, events.NonFatalError):
            problems.append(f"[{event.phase}] {event.label}: error: {event.info.format()}")
        elif isinstance(event, events.FatalError):
            problems.append(f"fatal: {event.exception!r}")
        elif isinstance(event, events.EngineFinished):
            finished = event
    assert finished is not None and finished.stop_reason == "completed", finished
    problems += [f"after run: {failure.title}" for failure in finished.failures]
    # Deduplicate: the engine re-runs a failing case to confirm it, and reports each run.
    assert not problems, "\n".join(dict.fromkeys(problems))
    assert {label for label, cases in exercised.items() if cases} == documented_operations()
