"""Throughput and latency of two hot read endpoints on SQLite and PostgreSQL.

Run from the repository root::

    .venv/bin/python -m bench.api_bench [--backend sqlite|postgres|both] [--requests N] [--seconds S]

For each backend it starts a real `shipyard serve` (tests/support), takes an admin token, creates
~120 credentials, then measures `GET /api/v1/user` and `GET /api/v1/credentials?page=2&limit=30` at 1
and at 32 keep-alive connections. The load comes from `wrk` when it is on PATH, else from a small
raw-asyncio HTTP/1.1 client in this process. Each measurement stops after S seconds or N requests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from tests.support.api import Account, admin, client
from tests.support.postgres import PostgresCluster
from tests.support.server import ShipyardServer

ROWS = 120
CONCURRENCIES = (1, 32)
WARMUP_SECONDS = 1.0
SERVER_ENV = {"SHIPYARD_RATE_LIMIT_WRITES": "100000"}
TARGET_P50_MS = 5.0
TARGET = "target: p50 < 5 ms for GET /api/v1/user at 1 client on SQLite"


@dataclass(frozen=True)
class Endpoint:
    """A GET to measure: a short label for the table and the path with its query."""

    label: str
    path: str
    check: Callable[[Any], bool]


ENDPOINTS = (
    Endpoint("GET /api/v1/user", "/api/v1/user", lambda body: body["user"]["name"] == "admin"),
    Endpoint(
        "GET /api/v1/credentials?page=2&limit=30",
        "/api/v1/credentials?page=2&limit=30",
        lambda body: len(body["credentials"]) == 30,
    ),
)


@dataclass(frozen=True)
class Result:
    """One measurement: completed requests, wall time, latency percentiles, failed requests."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class Row:
    backend: str
    endpoint: str
    concurrency: int
    result: Result


@dataclass
class Load:
    """What to send and how long: the target URL, its headers, the time and request budget."""

    url: str
    headers: dict[str, str]
    seconds: float
    requests: int | None
    concurrency: int = 1


# --------------------------------------------------------------------------- wrk

WRK_SCRIPT = """
local cap = tonumber(os.getenv("BENCH_CAP") or "0")
if cap > 0 then
  local seen = 0
  response = function(status, headers, body)
    seen = seen + 1
    if seen == cap then
      io.write("BENCH_CAP_REACHED\\n")
      io.flush()
      wrk.thread:stop()
    end
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %.0f, "duration_us": %.0f, "p50_us": %.3f, "p99_us": %.3f, '
    .. '"errors": {"connect": %.0f, "read": %.0f, "write": %.0f, "status": %.0f, "timeout": %.0f}}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def run_wrk(wrk: str, load: Load, script: Path) -> Result:
    """One wrk run on one thread (the machine is small; one thread drives 32 sockets easily).

    wrk's main thread sleeps for the whole `-d`; when the request cap is reached the Lua script
    says so and a SIGINT ends that sleep, so wrk's own run time stays the real one.
    """
    seconds = max(1, math.ceil(load.seconds))
    command = [wrk, "-t1", f"-c{load.concurrency}", f"-d{seconds}s", "-s", str(script)]
    for name, value in load.headers.items():
        command += ["-H", f"{name}: {value}"]
    env = {**os.environ, "BENCH_CAP": str(load.requests or 0)}
    output: list[str] = []
    with subprocess.Popen(
        [*command, load.url], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    ) as process:
        try:
            assert process.stdout is not None
            for line in process.stdout:
                output.append(line)
                if line.strip() == "BENCH_CAP_REACHED":
                    process.send_signal(signal.SIGINT)
            returncode = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    stdout = "".join(output)
    match = re.search(r"^BENCH_JSON (.*)$", stdout, re.MULTILINE)
    if returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({returncode}): {stdout}")
    data = json.loads(match.group(1))
    errors = {kind: int(n) for kind, n in data["errors"].items() if n}
    if errors:
        log(f"wrk {load.url} c={load.concurrency}: errors {errors} (status: HTTP >= 400, timeout: > 2 s)")
    return Result(
        int(data["requests"]),
        data["duration_us"] / 1e6,
        data["p50_us"] / 1000,
        data["p99_us"] / 1000,
        sum(errors.values()),
    )


# --------------------------------------------------------------------------- asyncio client


class _Budget:
    """Shared stop condition of the client coroutines: a deadline and an optional request count."""

    def __init__(self, seconds: float, requests: int | None) -> None:
        self.deadline = time.perf_counter() + seconds
        self.left = requests

    def take(self) -> bool:
        if time.perf_counter() >= self.deadline:
            return False
        if self.left is None:
            return True
        self.left -= 1
        return self.left >= 0


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response; returns its status and whether the connection stays open."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split(" ", 2)[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
    else:
        await reader.readexactly(int(headers.get("content-length", "0")))
    return status, headers.get("connection", "").lower() != "close"


async def _client(host: str, port: int, request: bytes, budget: _Budget, latencies: list[int]) -> int:
    """One keep-alive connection sending requests back to back; returns how many failed."""
    errors = 0
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while budget.take():
            started = time.perf_counter_ns()
            try:
                writer.write(request)
                status, keep_alive = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                status, keep_alive = 0, False
            latencies.append(time.perf_counter_ns() - started)
            errors += 0 if 200 <= status < 300 else 1
            if not keep_alive:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
    return errors


def percentile(sorted_values: Sequence[int], q: float) -> int:
    """Nearest-rank percentile of an ascending sequence."""
    if not sorted_values:
        return 0
    return sorted_values[max(0, math.ceil(q / 100 * len(sorted_values)) - 1)]


async def _asyncio_load(load: Load) -> Result:
    parts = urlsplit(load.url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [
        f"GET {target} HTTP/1.1",
        f"Host: {parts.netloc}",
        *(f"{name}: {value}" for name, value in load.headers.items()),
    ]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    budget = _Budget(load.seconds, load.requests)
    latencies: list[int] = []
    started = time.perf_counter()
    errors = await asyncio.gather(
        *(_client(host, port, request, budget, latencies) for _ in range(load.concurrency))
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Result(
        len(latencies), elapsed, percentile(latencies, 50) / 1e6, percentile(latencies, 99) / 1e6, sum(errors)
    )


def _run_async(coro: Coroutine[Any, Any, Result]) -> Result:
    """Run on uvloop when it is installed (uvicorn[standard] brings it): a cheaper client."""
    factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    with contextlib.suppress(ImportError):
        factory = importlib.import_module("uvloop").new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)


def run_asyncio(load: Load) -> Result:
    return _run_async(_asyncio_load(load))


# --------------------------------------------------------------------------- the benchmark


class LoadGenerator:
    """wrk when it is on PATH, else the asyncio client."""

    def __init__(self, force_python: bool = False) -> None:
        self.wrk = None if force_python else shutil.which("wrk")
        self.name = f"wrk ({self.wrk})" if self.wrk else "python asyncio client"
        self._dir = Path(tempfile.mkdtemp(prefix="shipyard-bench-"))
        self._script = self._dir / "bench.lua"
        self._script.write_text(WRK_SCRIPT)

    def run(self, load: Load) -> Result:
        return run_wrk(self.wrk, load, self._script) if self.wrk else run_asyncio(load)

    def close(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def seed(server: ShipyardServer, account: Account) -> None:
    """Create the credentials to paginate over (one keep-alive client) and check both endpoints."""
    with client(server, account) as http:
        for i in range(ROWS):
            body = {"type": "ocean2", "name": f"c{i}", "api_token": "x"}
            response = http.post("/api/v1/credentials", json=body)
            if response.status_code != 201:
                raise RuntimeError(f"creating credential c{i}: {response.status_code} {response.text}")
        for endpoint in ENDPOINTS:
            response = http.get(endpoint.path)
            if response.status_code != 200 or not endpoint.check(response.json()):
                raise RuntimeError(f"{endpoint.label}: {response.status_code} {response.text[:300]}")


def measure(
    server: ShipyardServer, account: Account, generator: LoadGenerator, seconds: float, requests: int | None
) -> Iterator[Row]:
    """Warm up, then measure, every endpoint at every concurrency."""
    for endpoint in ENDPOINTS:
        for concurrency in CONCURRENCIES:
            load = Load(server.url + endpoint.path, account.headers(), seconds, requests, concurrency)
            generator.run(Load(load.url, load.headers, WARMUP_SECONDS, None, concurrency))
            yield Row(server.backend, endpoint.label, concurrency, generator.run(load))


def bench_backend(
    backend: str, generator: LoadGenerator, seconds: float, requests: int | None, emit: Callable[[Row], None]
) -> list[Row]:
    """Start the backend's server (and cluster), seed it, measure; always tear everything down."""
    rows: list[Row] = []
    with contextlib.ExitStack() as stack:
        database_url = None
        if backend == "postgres":
            log("starting a throw-away PostgreSQL cluster ...")
            cluster = PostgresCluster()
            stack.callback(cluster.stop)
            database_url = cluster.start().create_database()
        server = ShipyardServer(database_url, env=SERVER_ENV)
        stack.callback(server.cleanup)
        log(f"starting shipyard serve on {backend} ...")
        server.start()
        account = admin(server)
        log(f"creating {ROWS} credentials ...")
        seed(server, account)
        for row in measure(server, account, generator, seconds, requests):
            emit(row)
            rows.append(row)
    return rows


HEADER = f"{'backend':<9} {'endpoint':<40} {'conc':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6}"


def format_row(row: Row) -> str:
    r = row.result
    return (
        f"{row.backend:<9} {row.endpoint:<40} {row.concurrency:>4} {r.rps:>8.0f} {r.p50_ms:>8.2f} "
        f"{r.p99_ms:>8.2f} {r.errors:>6}"
    )


def target_line(rows: Sequence[Row]) -> str:
    """PASS/MISS for the SQLite single-client p50 of GET /api/v1/user (n/a when not measured)."""
    for row in rows:
        if row.backend == "sqlite" and row.endpoint == ENDPOINTS[0].label and row.concurrency == 1:
            verdict = "PASS" if row.result.p50_ms < TARGET_P50_MS and row.result.errors == 0 else "MISS"
            return f"{TARGET}: {verdict} (p50 {row.result.p50_ms:.2f} ms)"
    return f"{TARGET}: n/a (SQLite not measured)"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.api_bench", description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--requests",
        type=int,
        default=None,
        metavar="N",
        help="stop each measurement after N requests (default: time only)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=5.0,
        metavar="S",
        help="length of each measurement (default 5; wrk rounds up to whole seconds)",
    )
    parser.add_argument(
        "--python-client", action="store_true", help="use the asyncio client even when wrk is on PATH"
    )
    args = parser.parse_args(argv)
    if args.requests is not None and args.requests < 1:
        parser.error("--requests must be at least 1")
    if args.seconds <= 0:
        parser.error("--seconds must be positive")
    return args


def _terminate(signum: int, _frame: object) -> NoReturn:
    """Turn SIGTERM into SystemExit so the finally blocks stop the servers and the cluster."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    generator = LoadGenerator(force_python=args.python_client)
    rows: list[Row] = []
    try:
        print(
            f"load generator: {generator.name}; {args.seconds:g} s per measurement"
            + (f" or {args.requests} requests" if args.requests else "")
            + f", {WARMUP_SECONDS:g} s warm-up; {ROWS} credentials",
            flush=True,
        )
        print(HEADER, flush=True)

        def emit(row: Row) -> None:
            print(format_row(row), flush=True)

        for backend in backends:
            rows += bench_backend(backend, generator, args.seconds, args.requests, emit)
    finally:
        generator.close()
        if rows or sys.exc_info()[0] is None:
            print(target_line(rows), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
