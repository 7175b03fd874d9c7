"""The `local` backend: steps are host processes in a private workspace and HOME per workflow.

Each step runs in its own process group (killed as a whole on cancel or timeout). Services
(`services:`) and `detach: true` steps are the same kind of process, started in the background
(services before the steps) and killed with their process group when the workflow ends; they share
the host's network, so steps reach a service on localhost at the port it listens on. When `bwrap`
(bubblewrap) is on PATH and not disabled, each step runs inside it: the host file system
read-only, a private /tmp, only the workflow's workspace and home writable, its own PID
namespace (so killing the sandbox ends every process it started) and `--die-with-parent` (so
the steps die with the agent). Without bwrap there is no isolation beyond the directories: steps
run as the agent's user with the agent's access to files and network, as in Woodpecker.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import signal
import tempfile
from pathlib import Path

from shipyard_agent.backends.base import Backend, LineSink, StepError, StepHandle, WorkflowContext
from shipyard_protocol import StepSpec, WorkflowTask

SHELLS = ("sh", "bash", "dash", "zsh", "ash", "ksh")
READ_CHUNK = 65536


def _script(commands: list[str]) -> str:
    """Each command echoed as `+ cmd` before it runs; the first failure ends the step."""
    lines = []
    for command in commands:
        lines.append(f"printf '%s\\n' {shlex.quote('+ ' + command)}")
        lines.append(command)
    return "\n".join(lines) + "\n"


CLONE_COMMANDS = [
    # The forge's credentials, when the server sent them, for git over HTTP(S) (HOME is the workflow's own).
    'if [ -n "${CI_NETRC_MACHINE:-}" ]; then (umask 077; printf "machine %s\\nlogin %s\\npassword %s\\n" '
    '"$CI_NETRC_MACHINE" "$CI_NETRC_USERNAME" "$CI_NETRC_PASSWORD" > "$HOME/.netrc"); fi',
    "export GIT_TERMINAL_PROMPT=0",
    'git init -q -b "${CI_REPO_DEFAULT_BRANCH:-main}" .',
    'git remote add origin "$CI_REPO_CLONE_URL"',
    "git fetch -q --tags origin '+refs/heads/*:refs/remotes/origin/*'",
    # A pull request's head may be on no branch of the repository: fetch its ref too.
    'case "$CI_COMMIT_REF" in refs/pull/*|refs/merge-requests/*) git fetch -q origin "$CI_COMMIT_REF";; esac',
    'git checkout -q "$CI_COMMIT_SHA"',
]


class LocalBackend(Backend):
    name = "local"

    def __init__(self, *, sandbox: bool = True, temp_dir: str | None = None) -> None:
        self.bwrap = shutil.which("bwrap") if sandbox else None
        self.temp_dir = temp_dir

    def describe(self) -> str:
        if self.bwrap:
            return (
                f"bubblewrap ({self.bwrap}): host read-only, workspace and home writable, own PID namespace"
            )
        return "no sandbox: steps run as the agent's user with its file and network access"

    async def setup(self, task: WorkflowTask) -> WorkflowContext:
        root = Path(tempfile.mkdtemp(prefix="shipyard-local-", dir=self.temp_dir))
        os.chmod(root, 0o700)
        workspace, home = root / "workspace", root / "home"
        workspace.mkdir(mode=0o700)
        home.mkdir(mode=0o700)
        return WorkflowContext(task=task, root=root, workspace=workspace, home=home)

    def _argv(self, ctx: WorkflowContext, step: StepSpec) -> list[str]:
        if step.type == "clone":
            return ["sh", "-e", "-c", _script(CLONE_COMMANDS)]
        if step.commands:
            shell = step.image.rsplit("/", 1)[-1].split(":", 1)[0] or "sh"
            if shell not in SHELLS:
                raise StepError(
                    f"the local backend runs commands with a shell (image: sh or bash), not {step.image!r}"
                )
            if shutil.which(shell) is None:
                raise StepError(f"{shell} is not installed on this agent")
            return [shell, "-e", "-c", _script(step.commands)]
        binary = step.entrypoint[0] if step.entrypoint else step.image
        if shutil.which(binary) is None:
            raise StepError(f"the plugin {binary!r} is not on this agent's PATH")
        return [*step.entrypoint] if step.entrypoint else [binary]

    def _sandboxed(self, ctx: WorkflowContext, step: StepSpec, argv: list[str]) -> list[str]:
        if not self.bwrap:
            return argv
        assert ctx.workspace is not None and ctx.home is not None
        ws, home = str(ctx.workspace), str(ctx.home)
        extra: list[str] = []
        # A repository cloned from a local path may live under the host's /tmp, which the sandbox hides.
        source = step.environment.get("CI_REPO_CLONE_URL", "").removeprefix("file://")
        if step.type == "clone" and source.startswith("/") and os.path.isdir(source):
            extra = ["--ro-bind", source, source]
        mounts = ["--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", *extra]
        mounts += ["--bind", ws, ws, "--bind", home, home, "--chdir", ws]
        flags = ["--unshare-pid", "--unshare-ipc", "--die-with-parent", "--new-session"]
        return [self.bwrap, *mounts, *flags, "--", *argv]

    async def start(
        self, ctx: WorkflowContext, step: StepSpec, env: dict[str, str], sink: LineSink
    ) -> StepHandle:
        assert ctx.workspace is not None and ctx.home is not None
        argv = self._sandboxed(ctx, step, self._argv(ctx, step))
        full_env = {**os.environ, **env}
        full_env.update(
            {
                "HOME": str(ctx.home),
                "USERPROFILE": str(ctx.home),
                "CI_WORKSPACE": str(ctx.workspace),
                "SHELL": argv[0] if not self.bwrap else "sh",
            }
        )
        try:
            process = await asyncio.create_subprocess_exec(
                *argv,
                cwd=ctx.workspace,
                env=full_env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise StepError(f"cannot start {argv[0]}: {exc}") from exc
        pump = asyncio.create_task(self._pump(process, sink))
        handle = StepHandle(step=step, native=(process, pump))
        ctx.handles.append(handle)
        return handle

    @staticmethod
    async def _pump(process: asyncio.subprocess.Process, sink: LineSink) -> None:
        assert process.stdout is not None
        rest = b""
        while chunk := await process.stdout.read(READ_CHUNK):
            rest += chunk
            *lines, rest = rest.split(b"\n")
            for line in lines:
                sink(_text(line))
        if rest:
            sink(_text(rest))

    async def wait(self, handle: StepHandle) -> int:
        process, pump = handle.native
        code = await process.wait()
        with contextlib.suppress(asyncio.CancelledError):
            await pump
        return 137 if code == -signal.SIGKILL else (128 - code if code < 0 else code)

    async def kill(self, handle: StepHandle) -> None:
        process, _ = handle.native
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)

    async def destroy(self, ctx: WorkflowContext) -> None:
        for handle in ctx.handles:
            await self.kill(handle)
            process, pump = handle.native
            with contextlib.suppress(ProcessLookupError):
                await process.wait()
            pump.cancel()
        if ctx.root is not None:
            await asyncio.to_thread(shutil.rmtree, ctx.root, True)


def _text(line: bytes) -> str:
    """A line of output as storable text: undecodable bytes and NULs become U+FFFD."""
    return line.decode(errors="replace").replace("\x00", "\ufffd")
