"""What every fake cloud shares: a uvicorn server in a thread, a call log, machines on real test hosts.

A fake is built from its provider's documented request and response shapes. It answers with the
provider's own error shape when the credential is wrong or the body is not what the API takes.
"Creating a machine" boots a real Debian test host in the background, installs the public key
the request named into root's authorized_keys, and only then reports the host's address, the
way a real machine gets its address a little after the API answered. Deleting one takes the
host down.
"""

from __future__ import annotations

import asyncio
import itertools
import shlex
import threading
import time
from dataclasses import dataclass
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from tests.support.hosts import Host, HostPool
from tests.support.postgres import free_port

WITHHOLD_ADDRESS = "no-address"  # a machine of this name never gets an address


@dataclass
class Call:
    method: str
    path: str
    body: Any
    headers: dict[str, str]


@dataclass
class FakeMachine:
    id: str
    name: str
    public_key: str
    request: Any
    host: Host | None = None
    deleted: bool = False
    boot_error: str | None = None

    @property
    def ip(self) -> str | None:
        return self.host.ip if self.host and not self.deleted else None


class LoopbackApp:
    """A Starlette app that uvicorn serves on a free loopback port, in a thread of this process."""

    def __init__(self, routes: list[Route]) -> None:
        self.port = free_port()
        self._uvicorn = uvicorn.Server(
            uvicorn.Config(
                Starlette(routes=routes),
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                lifespan="off",
            )
        )
        self._thread = threading.Thread(target=self._uvicorn.run, daemon=True)

    def start(self) -> None:
        """Serve (once; a second call does nothing) and return when the port answers."""
        if self._thread.is_alive():
            return
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._uvicorn.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self._uvicorn.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)


class FakeCloud:
    """A fake provider API; subclasses add `routes()` with their auth checks and error shapes."""

    machine_path = ""  # the path of one machine, with {id}

    def __init__(self, hosts: HostPool) -> None:
        self.hosts = hosts
        # The disk new machines boot from (None: a bare Debian host).
        self.boot_template: str | None = None
        self.calls: list[Call] = []
        self.machines: dict[str, FakeMachine] = {}
        # (status, message): refuse to delete machines, in the provider's error shape.
        self.refuse_delete: tuple[int, str] | None = None
        self._ids = itertools.count(1001)
        self._lock = threading.Lock()
        self.app = LoopbackApp(self.routes())
        self.port = self.app.port
        self.url = f"http://127.0.0.1:{self.port}"

    def routes(self) -> list[Route]:
        raise NotImplementedError

    def start(self) -> FakeCloud:
        self.app.start()
        return self

    def stop(self) -> None:
        self.app.stop()
        for machine in self.machines.values():
            self.destroy(machine)

    async def record(self, request: Request) -> Call:
        raw = await request.body()
        body: Any = raw.decode() if raw else None
        if raw and request.headers.get("content-type", "").startswith("application/json"):
            body = await request.json()
        call = Call(request.method, request.url.path, body, dict(request.headers))
        with self._lock:
            self.calls.append(call)
        return call

    def calls_to(self, method: str, path: str) -> list[Call]:
        return [c for c in self.calls if c.method == method and c.path == path]

    def deletes(self, machine_id: str) -> list[Call]:
        """The requests that asked to delete the machine."""
        return self.calls_to("DELETE", self.machine_path.format(id=machine_id))

    def next_id(self) -> int:
        with self._lock:
            return next(self._ids)

    def launch(self, machine_id: str, name: str, public_key: str, request: Any) -> FakeMachine:
        """Register the machine and boot its host in the background (unless told to withhold it)."""
        machine = FakeMachine(machine_id, name, public_key, request)
        self.machines[machine_id] = machine
        if name != WITHHOLD_ADDRESS:
            threading.Thread(target=self._boot, args=(machine,), daemon=True).start()
        return machine

    def _boot(self, machine: FakeMachine) -> None:
        try:
            host = self.hosts.up(template=self.boot_template)
            key = shlex.quote(machine.public_key)
            host.run(
                "install -d -m 700 /root/.ssh && "
                f"printf '%s\\n' {key} >> /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys"
            )
        except Exception as exc:  # the fake's own failure; the machine then never gets an address
            machine.boot_error = repr(exc)
            return
        machine.host = host
        if machine.deleted:  # deleted while booting
            self.destroy(machine)

    async def remove(self, machine: FakeMachine) -> None:
        """Delete the machine: its host goes down (in a thread: that takes a moment)."""
        await asyncio.to_thread(self.destroy, machine)

    def destroy(self, machine: FakeMachine) -> None:
        machine.deleted = True
        if machine.host is not None and machine.host in self.hosts.started:
            self.hosts.down(machine.host)

    def live(self, machine_id: str) -> FakeMachine | None:
        machine = self.machines.get(machine_id)
        return machine if machine is not None and not machine.deleted else None
