"""Rate limits, maintenance mode and health failure, each on a server of its own."""

from __future__ import annotations

import subprocess
import time

import httpx
import pytest

from tests.conftest import BACKENDS, ServerFactory
from tests.support.api import admin, client, new_user
from tests.support.postgres import PostgresCluster


@pytest.mark.parametrize("backend", BACKENDS)
def test_write_rate_limit(start_server: ServerFactory, backend: str) -> None:
    server = start_server(backend, {"SHIPYARD_RATE_LIMIT_WRITES": "12"})
    user = new_user(server, admin(server))  # uses the admin's budget, not the user's
    with client(server, user) as http:
        statuses = []
        for i in range(14):
            response = http.post(
                "/api/v1/credentials", json={"type": "hetzner", "name": f"n{i}", "api_token": "t"}
            )
            statuses.append(response.status_code)
            if response.status_code == 201:
                assert response.headers["x-ratelimit-limit"] == "12"
                assert int(response.headers["x-ratelimit-remaining"]) == 12 - (i + 1)
        assert statuses.count(201) == 12
        limited = response
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.headers["x-ratelimit-remaining"] == "0"
        assert int(limited.headers["x-ratelimit-reset"]) > time.time()
        # Nothing changed, reads are not limited, and another token has its own budget.
        assert http.get("/api/v1/credentials").headers["x-total-count"] == "12"
    other = new_user(server, admin(server))
    with client(server, other) as http:
        assert (
            http.post(
                "/api/v1/credentials", json={"type": "hetzner", "name": "ok", "api_token": "t"}
            ).status_code
            == 201
        )


@pytest.mark.parametrize("backend", BACKENDS)
def test_maintenance_mode(start_server: ServerFactory, backend: str) -> None:
    server = start_server(backend, {"SHIPYARD_MAINTENANCE_CACHE_SECONDS": "0"})
    account = admin(server)
    server.cli("admin", "maintenance", "on")
    with client(server, account) as http:
        response = http.get("/api/v1/user")
        assert response.status_code == 503
        assert response.json()["message"] == "Shipyard is offline for maintenance."
        assert http.post("/api/v1/credentials", json={}).status_code == 503
        assert http.get("/healthz").status_code == 204
    server.cli("admin", "maintenance", "off")
    with client(server, account) as http:
        assert http.get("/api/v1/user").status_code == 200


def test_healthz_fails_when_the_database_does_not_answer(
    start_server: ServerFactory, pg_cluster: PostgresCluster
) -> None:
    server = start_server("postgres")
    assert httpx.get(f"{server.url}/healthz").status_code == 204
    name = server.env["SHIPYARD_DATABASE_URL"].rsplit("/", 1)[1]
    psql = [
        str(pg_cluster.bindir / "psql"),
        "-h",
        "127.0.0.1",
        "-p",
        str(pg_cluster.port),
        "-U",
        "shipyard",
        "-d",
        "postgres",
        "-c",
    ]
    # Refuse new connections first: the server's worker would reconnect at once otherwise.
    subprocess.run(
        [*psql, f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"], check=True, capture_output=True
    )
    try:
        subprocess.run(
            [*psql, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"],
            check=True,
            capture_output=True,
        )
        response = httpx.get(f"{server.url}/healthz", timeout=30)
        assert response.status_code == 500
    finally:
        subprocess.run(
            [*psql, f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true"], check=True, capture_output=True
        )
    deadline = time.monotonic() + 30
    while httpx.get(f"{server.url}/healthz", timeout=30).status_code != 204:
        assert time.monotonic() < deadline, "healthz did not recover"
        time.sleep(0.2)
