"""The only place Shipyard opens SSH: pooled connections, host-key pinning, scripts run as files.

A script is uploaded with its files into a private staging directory, run by bash as the
requested user under a remote `timeout`, streamed line by line (secrets masked) to a callback,
and removed afterwards; when the caller is cancelled, the remote command is stopped too. Logins
need not be root (a deployment project's own key for its `connect_as` user, say): connections
are pooled per endpoint and credential, and a non-root login stages in a directory of its own.
The first contact with a host returns its host key so that the caller can pin it; after that a
different key is refused. Files (a backup archive, say) are copied
to and from a host over SFTP, streamed, never held whole in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import posixpath
import shlex
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncssh

from shipyard.core.script import HostResult, Script, parse_result
from shipyard.remote.errors import (
    AuthenticationRefused,
    HostKeyMismatch,
    HostUnreachable,
    RemoteError,
    ScriptTimeout,
    TransferFailed,
)

OutputCallback = Callable[[str], Awaitable[None]]
STAGING_ROOT = "/var/tmp/shipyard"
KILL_GRACE_SECONDS = 10


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int = 22
    username: str = "root"

    def __str__(self) -> str:
        return f"{self.username}@{self.host}:{self.port}"


@dataclass(frozen=True)
class Login:
    """How to authenticate: a private key (OpenSSH or PEM text) and/or a password."""

    private_key: str | None = None
    password: str | None = None

    @property
    def fingerprint(self) -> str:
        """Tells credentials apart in the pool without keeping another copy of them."""
        material = f"{self.private_key or ''}\0{self.password or ''}".encode()
        return hashlib.sha256(material).hexdigest()


@dataclass(frozen=True)
class Connected:
    connection: asyncssh.SSHClientConnection
    host_key: str


class Remote:
    """A pool of SSH connections keyed by endpoint; safe to share between tasks."""

    def __init__(self, connect_timeout: float = 15) -> None:
        self.connect_timeout = connect_timeout
        self._connections: dict[tuple[Endpoint, str, str | None], Connected] = {}
        self._locks: dict[Endpoint, asyncio.Lock] = {}

    async def connect(self, endpoint: Endpoint, login: Login, pinned_host_key: str | None) -> Connected:
        """A live connection (reused when possible); its `host_key` is the one to pin."""
        key = (endpoint, login.fingerprint, pinned_host_key)
        async with self._locks.setdefault(endpoint, asyncio.Lock()):
            cached = self._connections.get(key)
            if cached is not None and not cached.connection.is_closed():
                return cached
            connected = await self._open(endpoint, login, pinned_host_key)
            self._connections[key] = connected
            return connected

    async def _open(self, endpoint: Endpoint, login: Login, pinned_host_key: str | None) -> Connected:
        known_hosts: tuple[list[asyncssh.SSHKey], list[asyncssh.SSHKey], list[asyncssh.SSHKey]] | None = None
        if pinned_host_key:
            known_hosts = ([asyncssh.import_public_key(pinned_host_key)], [], [])
        client_keys = [asyncssh.import_private_key(login.private_key)] if login.private_key else None
        try:
            connection = await asyncio.wait_for(
                asyncssh.connect(
                    endpoint.host,
                    port=endpoint.port,
                    username=endpoint.username,
                    client_keys=client_keys,
                    password=login.password,
                    known_hosts=known_hosts,
                    agent_path=None,
                    config=None,
                    preferred_auth="publickey,password,keyboard-interactive"
                    if login.password
                    else "publickey",
                    keepalive_interval=15,
                    keepalive_count_max=3,
                ),
                timeout=self.connect_timeout,
            )
        except asyncssh.HostKeyNotVerifiable as exc:
            raise HostKeyMismatch(
                f"The SSH host key of {endpoint.host} is not the one Shipyard pinned at first contact; "
                "refusing to connect (reinstalled host or man in the middle?)."
            ) from exc
        except asyncssh.PermissionDenied as exc:
            raise AuthenticationRefused(f"{endpoint} refused Shipyard's SSH key or password.") from exc
        except (TimeoutError, OSError, asyncssh.Error) as exc:
            reason = "timed out" if isinstance(exc, TimeoutError) else str(exc) or type(exc).__name__
            raise HostUnreachable(f"Could not connect to {endpoint}: {reason}.") from exc
        server_key = connection.get_server_host_key()
        host_key = server_key.export_public_key().decode().strip() if server_key else ""
        return Connected(connection, host_key)

    async def run(
        self,
        endpoint: Endpoint,
        login: Login,
        script: Script,
        *,
        pinned_host_key: str | None,
        time_limit: float,
        run_as: str | None = None,
        on_output: OutputCallback | None = None,
    ) -> tuple[HostResult, str]:
        """Run `script` (as `run_as`, default the login user) within `time_limit` seconds on the host.

        Returns the result and the host key seen (to pin at first contact).
        """
        connected = await self.connect(endpoint, login, pinned_host_key)
        try:
            result = await self._run(connected.connection, endpoint, script, time_limit, run_as, on_output)
        except asyncssh.ProcessError as exc:
            raise RemoteError(f"Could not stage {script.name} on {endpoint}: {exc.stderr!s}") from exc
        except (asyncssh.Error, OSError) as exc:
            # The host went away mid-run (shut down, rebooted, cut off): the connection is useless.
            self._forget(endpoint)
            raise HostUnreachable(f"Lost the SSH connection to {endpoint}: {exc}.") from exc
        return result, connected.host_key

    async def _run(
        self,
        connection: asyncssh.SSHClientConnection,
        endpoint: Endpoint,
        script: Script,
        time_limit: float,
        run_as: str | None,
        on_output: OutputCallback | None,
    ) -> HostResult:
        staging_root = staging_root_of(endpoint.username)
        staging = posixpath.join(staging_root, f"{script.name}-{uuid.uuid4().hex[:12]}")
        # The root is traversable (not listable) so that a script run as another user reaches its
        # own staging dir, which is private to whoever runs it.
        root = shlex.quote(staging_root)
        await connection.run(
            f"mkdir -p {root} && chmod 0711 {root} && umask 077 && mkdir {shlex.quote(staging)}", check=True
        )
        try:
            async with connection.start_sftp_client() as sftp:
                for name, content in {"script.sh": script.body, **script.files}.items():
                    async with sftp.open(posixpath.join(staging, name), "w") as remote_file:
                        await remote_file.write(content)
            command = self._command(staging, time_limit, run_as, endpoint.username != "root")
            lines: list[str] = []
            # Output is text to store and show: bytes that are not UTF-8 and NULs (which PostgreSQL
            # cannot store) become U+FFFD instead of failing the run.
            async with connection.create_process(
                command, stderr=asyncssh.STDOUT, encoding="utf-8", errors="replace"
            ) as process:
                try:
                    async with asyncio.timeout(time_limit + KILL_GRACE_SECONDS + 5):
                        async for raw in process.stdout:
                            line = script.mask(raw.rstrip("\n").replace("\x00", "\ufffd"))
                            lines.append(line)
                            if on_output is not None:
                                await on_output(line)
                        completed = await process.wait()
                except TimeoutError:
                    process.kill()
                    raise ScriptTimeout(
                        f"{script.name} did not finish on {endpoint.host} within {time_limit:g}s."
                    ) from None
                except asyncio.CancelledError:
                    # Closing the channel does not stop a command without a terminal: signal the
                    # process group `timeout` leads, so the script and its children end now.
                    await asyncio.shield(self._stop(connection, staging))
                    raise
            exit_code = completed.exit_status if completed.exit_status is not None else 255
            if exit_code == 124:
                raise ScriptTimeout(
                    f"{script.name} did not finish on {endpoint.host} within {time_limit:g}s."
                )
            output = "\n".join(lines)
            return HostResult(endpoint.host, exit_code, output, parse_result(output))
        finally:
            # Best effort: when the connection is gone, the staging dir stays until tmpfiles ages /var/tmp.
            with contextlib.suppress(asyncssh.Error, OSError):
                await connection.run(
                    f"rm -rf {shlex.quote(staging)} {shlex.quote(f'{staging}.pid')}", check=False
                )

    async def download(
        self,
        endpoint: Endpoint,
        login: Login,
        remote_path: str,
        local_path: str,
        *,
        pinned_host_key: str | None,
        remove: bool = False,
    ) -> None:
        """Copy the host's file `remote_path` to `local_path`; with `remove`, delete it on the host
        once it is copied whole."""
        connected = await self.connect(endpoint, login, pinned_host_key)
        try:
            async with connected.connection.start_sftp_client() as sftp:
                await sftp.get(remote_path, local_path)
                if remove:
                    await sftp.remove(remote_path)
        except asyncssh.SFTPError as exc:
            raise TransferFailed(f"Could not copy {remote_path} from {endpoint.host}: {exc.reason}.") from exc
        except (asyncssh.Error, OSError) as exc:
            self._forget(endpoint)
            raise HostUnreachable(f"Lost the SSH connection to {endpoint}: {exc}.") from exc

    async def upload(
        self,
        endpoint: Endpoint,
        login: Login,
        local_path: str,
        remote_path: str,
        *,
        pinned_host_key: str | None,
    ) -> None:
        """Copy `local_path` to `remote_path` on the host, in a directory only the login user may
        enter (created 0700 when missing)."""
        connected = await self.connect(endpoint, login, pinned_host_key)
        directory = shlex.quote(posixpath.dirname(remote_path) or ".")
        try:
            prepared = await connected.connection.run(f"mkdir -p {directory} && chmod 0700 {directory}")
            if prepared.exit_status != 0:
                raise TransferFailed(f"Could not create the directory {directory} on {endpoint.host}.")
            async with connected.connection.start_sftp_client() as sftp:
                await sftp.put(local_path, remote_path)
        except asyncssh.SFTPError as exc:
            raise TransferFailed(f"Could not copy {remote_path} to {endpoint.host}: {exc.reason}.") from exc
        except (asyncssh.Error, OSError) as exc:
            self._forget(endpoint)
            raise HostUnreachable(f"Lost the SSH connection to {endpoint}: {exc}.") from exc

    @staticmethod
    async def _stop(connection: asyncssh.SSHClientConnection, staging: str) -> None:
        pidfile = shlex.quote(f"{staging}.pid")
        with contextlib.suppress(asyncssh.Error, OSError, TimeoutError):
            await asyncio.wait_for(
                connection.run(f"kill -TERM $(cat {pidfile}) 2>/dev/null", check=False), timeout=10
            )

    @staticmethod
    def _command(staging: str, time_limit: float, run_as: str | None, sudo: bool = False) -> str:
        script = shlex.quote(posixpath.join(staging, "script.sh"))
        env = f"SHIPYARD_STAGING={shlex.quote(staging)}"
        # `timeout` leads a process group of its own; its pid lets a cancellation signal the group.
        # It lives next to the staging dir, which may belong to `run_as` by then.
        pid = f"echo $$ > {shlex.quote(f'{staging}.pid')} &&"
        limit = f"timeout --kill-after={KILL_GRACE_SECONDS} {int(time_limit)}"
        if run_as is None:
            return f"{pid} {env} exec {limit} bash {script}"
        user = shlex.quote(run_as)
        # The staging dir belongs to the login user; hand it over to the user who runs the script.
        chown = "sudo -n chown" if sudo else "chown"
        return (
            f"{chown} -R {user} {shlex.quote(staging)} && {pid} "
            f"exec {limit} sudo -n -H -u {user} {env} bash {script}"
        )

    def forget(self, endpoint: Endpoint) -> None:
        """Close pooled connections to `endpoint`: the next action logs in afresh."""
        self._forget(endpoint)

    def _forget(self, endpoint: Endpoint) -> None:
        for key in [k for k in self._connections if k[0] == endpoint]:
            self._connections.pop(key).connection.close()

    async def close(self) -> None:
        for connected in self._connections.values():
            connected.connection.close()
        self._connections.clear()


def staging_root_of(username: str) -> str:
    """Where a login stages its scripts: root's shared root, or a directory per other user (which
    could not create entries in a root owned by someone else)."""
    return STAGING_ROOT if username == "root" else f"{STAGING_ROOT}-{username}"
