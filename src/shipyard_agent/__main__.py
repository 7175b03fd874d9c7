"""`shipyard agent --server URL --token T [--max-workflows N] [--label k=v]...`"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import platform
import signal
import socket
import sys

from shipyard_agent import __version__
from shipyard_agent.backends.local import LocalBackend
from shipyard_agent.client import Client
from shipyard_agent.runner import WorkflowRun
from shipyard_protocol import AgentInfo

log = logging.getLogger("shipyard_agent")


def _labels(values: list[str]) -> dict[str, str]:
    labels = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise SystemExit(f"--label wants key=value, got {value!r}")
        labels[key] = val
    return labels


def _platform() -> str:
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(machine, machine)
    return f"{sys.platform}/{arch}"


async def _runner_loop(client: Client, backend: LocalBackend, labels: dict[str, str], slot: int) -> None:
    while True:
        try:
            task = await client.next(labels, slot)
        except Exception as exc:  # network trouble or a server restart: keep polling
            log.warning("runner %d: polling failed: %s", slot, exc)
            await asyncio.sleep(2)
            continue
        if task is not None:
            await WorkflowRun(client, backend, task).run()


async def main_async(args: argparse.Namespace) -> None:
    backend = LocalBackend(sandbox=not args.no_sandbox)
    client = Client(args.server, args.token)
    hostname = args.hostname or socket.gethostname()
    custom = _labels(args.label)
    info = AgentInfo(
        hostname=hostname,
        platform=_platform(),
        backend=backend.name,
        capacity=args.max_workflows,
        version=__version__,
        custom_labels=custom,
    )
    registered = await client.register(info)
    labels = {"hostname": hostname, "platform": info.platform, "backend": backend.name, **custom}
    log.info(
        "agent %d ready: %d runner(s), backend local (%s)",
        registered.agent_id,
        args.max_workflows,
        backend.describe(),
    )
    print(f"shipyard agent {registered.agent_id} ready", flush=True)
    runners = [
        asyncio.create_task(_runner_loop(client, backend, labels, n)) for n in range(args.max_workflows)
    ]
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    for runner in runners:
        runner.cancel()
    for runner in runners:
        with contextlib.suppress(asyncio.CancelledError):
            await runner
    await client.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="shipyard agent", description="Run Shipyard CI workflows.")
    parser.add_argument("--server", required=True, help="Shipyard's URL, e.g. http://ci.example.com:8080")
    parser.add_argument("--token", required=True, help="the agent's token (POST /api/agents shows it)")
    parser.add_argument("--max-workflows", type=int, default=1, help="workflows run at once (default 1)")
    parser.add_argument(
        "--label",
        action="append",
        default=[],
        help="a custom label k=v (repeatable; !k=v: only tasks with k=v)",
    )
    parser.add_argument("--hostname", default="", help="the hostname label (default: this host's name)")
    parser.add_argument("--no-sandbox", action="store_true", help="never run steps inside bubblewrap")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    args = parser.parse_args(argv)
    if args.max_workflows < 1:
        parser.error("--max-workflows must be at least 1")
    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
