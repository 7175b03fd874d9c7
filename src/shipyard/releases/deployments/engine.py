"""The release engine: build a release on every server, then make it live on all of them at once.

1. Build, on every server in parallel: before-clone hooks, clone the resolved commit into
   `releases/{release}` (with `.env` and the linked folders linked in), composer, and every hook
   up to and including those before activation. A failure anywhere stops here: the half-built
   releases are removed from every server and nothing goes live. A cancel stops the running
   commands and does the same.
2. Activate, on every server at once: one `mv -T` of a fresh symlink over `current` each, then
   the PHP-FPM reload. A server whose swap fails puts the others back to their previous release.
3. The hooks after activation. A failure here is reported; the release stays.
4. When the project has a health URL: every server requests it from itself for the project's
   window. The first failure anywhere stops the checks, puts every server back to its previous
   release and removes the new one (the reason names the server and the answer).
5. The purge of releases beyond `retain_deployments` (never the live one nor the one it
   replaced) and its hooks. A failure here is reported; the release stays.

A rollback (`source` "rollback") is step 2 alone, to a release that is still on the servers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shipyard.core.db import get_sessionmaker, utcnow
from shipyard.core.script import HostResult, Script
from shipyard.hostops import releases as ops
from shipyard.releases.actions.catalogue import (
    ACTIONS,
    ACTIVATE,
    CLONE,
    COMPOSER,
    HEALTH,
    HEALTH_CHECK,
    PURGE,
)
from shipyard.releases.deployments import repository
from shipyard.releases.deployments.models import Deployment, DeploymentStatus, Process
from shipyard.releases.hooks import repository as hooks_repository
from shipyard.releases.hooks.models import Hook
from shipyard.releases.notifications.service import Event, announce
from shipyard.releases.projects import repository as projects
from shipyard.releases.projects.models import Project
from shipyard.releases.projects.service import clone_url
from shipyard.releases.servers import host
from shipyard.releases.servers.models import ProjectServer
from shipyard.remote.errors import RemoteError
from shipyard.servers.host import HostActionFailed

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.5
CANCEL_POLL_SECONDS = 0.5
TIME_LIMITS = {CLONE: 900, COMPOSER: 1800, ACTIVATE: 120, PURGE: 600}
HOOK_SECONDS = 1800
# The health check's time limit beyond its window (the last request's timeout, the SSH round trips).
HEALTH_SLACK_SECONDS = 60
ACTION_NAMES = {action.id: action.name for action in (*ACTIONS, HEALTH_CHECK)}
ROLLBACK = "rollback"


class StepFailed(Exception):
    """A process failed; the message says which and where."""


@dataclass
class Step:
    server: ProjectServer
    process_id: int
    sequence: int
    action_id: int | None
    hook: Hook | None

    @property
    def phase(self) -> str:
        """`build` before activation, `activate`, `activated` (its after-hooks), `health`, then
        `after` (the purge and its hooks)."""
        if self.hook is not None:
            action, timing = self.hook.action_id, self.hook.timing
            if action < ACTIVATE or (action == ACTIVATE and timing == "before"):
                return "build"
            return "activated" if action == ACTIVATE else "after"
        if self.action_id == HEALTH:
            return "health"
        assert self.action_id is not None
        if self.action_id == ACTIVATE:
            return "activate"
        return "build" if self.action_id < ACTIVATE else "after"


def plan(
    servers: Sequence[ProjectServer], hooks: Sequence[Hook], *, health: bool = False
) -> list[tuple[ProjectServer, int, int | None, Hook | None]]:
    """(server, sequence, action id, hook) for every process, in the order each server runs them;
    with `health`, the health check follows activation and its hooks."""
    planned: list[tuple[ProjectServer, int, int | None, Hook | None]] = []
    for server in servers:
        sequence = 0
        for action in ACTIONS:
            mine = [
                h for h in hooks if h.action_id == action.id and (not h.servers or server.id in h.servers)
            ]
            for hook in sorted((h for h in mine if h.timing == "before"), key=lambda h: (h.sequence, h.id)):
                sequence += 1
                planned.append((server, sequence, None, hook))
            sequence += 1
            planned.append((server, sequence, action.id, None))
            for hook in sorted((h for h in mine if h.timing == "after"), key=lambda h: (h.sequence, h.id)):
                sequence += 1
                planned.append((server, sequence, None, hook))
            if health and action.id == ACTIVATE:
                sequence += 1
                planned.append((server, sequence, HEALTH, None))
    return planned


@dataclass
class Run:
    """One deployment being carried out."""

    sessions: async_sessionmaker[AsyncSession]
    deployment: Deployment
    project: Project
    servers: list[ProjectServer]
    steps: list[Step]
    commit: str = ""
    previous: dict[int, str] = field(default_factory=dict)

    def release(self, server: ProjectServer) -> ops.Release:
        assert self.deployment.release is not None
        return ops.Release(server.deployment_path, self.deployment.release)

    async def execute(
        self,
        step: Step,
        script: Script,
        *,
        run_as: str | None,
        time_limit: float,
        on_line: Callable[[str], None] | None = None,
    ) -> HostResult:
        """Run a process's script on its server, streaming its output into the process."""
        buffer: list[str] = []

        async def flush() -> None:
            if buffer:
                text = "".join(line + "\n" for line in buffer)
                buffer.clear()
                async with self.sessions() as session:
                    await repository.append_output(session, step.process_id, text)
                    await session.commit()

        async def on_output(line: str) -> None:
            if on_line is not None:
                on_line(line)
            buffer.append(line)

        stop = asyncio.Event()

        async def flusher() -> None:
            # Output shows up live even when a command goes quiet (a `sleep` after an `echo`).
            # Stopped by the event, never cancelled: a cancel mid-flush would lose taken lines.
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), FLUSH_SECONDS)
                await flush()

        async with self.sessions() as session:
            await repository.set_process(session, step.process_id, "running", started_at=utcnow())
            await session.commit()
        streaming = asyncio.create_task(flusher())
        try:
            result = await host.run(
                self.sessions, step.server, script, run_as=run_as, time_limit=time_limit, on_output=on_output
            )
        except asyncio.CancelledError:
            stop.set()
            await asyncio.shield(streaming)
            buffer.append("Shipyard: cancelled; the running command was stopped.")
            await asyncio.shield(self._end(step, "cancelled", flush))
            raise
        except (RemoteError, HostActionFailed) as exc:
            stop.set()
            await streaming
            buffer.append(f"Shipyard: {exc}")
            await self._end(step, "failed", flush)
            raise StepFailed(f"{self.name_of(step)} could not run on {step.server.name}: {exc}") from exc
        stop.set()
        await streaming
        await self._end(step, "finished" if result.ok else "failed", flush)
        if not result.ok:
            raise StepFailed(
                f"{self.name_of(step)} failed on {step.server.name} (exit code {result.exit_code})."
            )
        return result

    async def _end(self, step: Step, status: str, flush: Callable[[], Awaitable[None]]) -> None:
        await flush()
        async with self.sessions() as session:
            await repository.set_process(session, step.process_id, status, finished_at=utcnow())
            await session.commit()

    @staticmethod
    def name_of(step: Step) -> str:
        if step.hook is not None:
            return f"Hook {step.hook.name!r}"
        assert step.action_id is not None
        return ACTION_NAMES[step.action_id]

    async def run_step(self, step: Step) -> None:
        server, project = step.server, self.project
        release = self.release(server)
        branch = self.deployment.commit_branch or self.deployment.reference
        if step.hook is not None:
            started = step.hook.action_id > CLONE or step.hook.timing == "after"
            script = ops.render_hook(
                release, step.hook.script, sha=self.commit, branch=branch, started=started
            )
            await self.execute(step, script, run_as=step.hook.run_as, time_limit=HOOK_SECONDS)
        elif step.action_id == CLONE:
            folders = tuple(ops.Folder(f["from"], f["to"]) for f in project.folders)
            describe = server.id == self.servers[0].id
            await self.execute(
                step,
                ops.render_clone(release, clone_url(project), self.commit, folders, describe=describe),
                run_as=None,
                time_limit=TIME_LIMITS[CLONE],
                on_line=self._read_commit if describe else None,
            )
        elif step.action_id == COMPOSER:
            script = ops.render_composer(
                release,
                server.composer_path,
                install=project.install_dependencies,
                dev=project.install_dev_dependencies,
                quiet=project.quiet_composer,
            )
            await self.execute(step, script, run_as=None, time_limit=TIME_LIMITS[COMPOSER])
        elif step.action_id == ACTIVATE:
            fpm = ops.php_fpm_service(server.php_version) if server.should_restart_fpm else None
            script = ops.render_activate(release, reload_fpm=fpm, sudo=server.connect_as != "root")
            result = await self.execute(step, script, run_as=None, time_limit=TIME_LIMITS[ACTIVATE])
            self.previous[server.id] = str(result.result.get("previous") or "")
        elif step.action_id == HEALTH:
            await self.check_health(step)
        elif step.action_id == PURGE:
            protect = tuple(name for name in (self.previous.get(server.id),) if name)
            script = ops.render_purge(server.deployment_path, project.retain_deployments, protect)
            await self.execute(step, script, run_as=None, time_limit=TIME_LIMITS[PURGE])

    async def check_health(self, step: Step) -> None:
        """Request the project's health URL through the server for its window."""
        assert self.project.health_url is not None
        why: list[str] = []

        def on_line(line: str) -> None:
            if line.startswith(ops.MARKER_UNHEALTHY):
                why.append(line[len(ops.MARKER_UNHEALTHY) :])

        script = ops.render_health(self.project.health_url, self.project.health_window)
        limit = self.project.health_window + HEALTH_SLACK_SECONDS
        try:
            await self.execute(step, script, run_as=None, time_limit=limit, on_line=on_line)
        except StepFailed as exc:
            detail = why[-1] if why else str(exc)
            raise StepFailed(f"health check failed on {step.server.name}: {detail}") from exc

    def _read_commit(self, line: str) -> None:
        if line.startswith(ops.MARKER_COMMIT):
            self.commit = line[len(ops.MARKER_COMMIT) :].strip() or self.commit
        for marker, attribute in (
            (ops.MARKER_AUTHOR, "commit_author"),
            (ops.MARKER_MESSAGE, "commit_message"),
        ):
            if line.startswith(marker):
                setattr(self.deployment, attribute, line[len(marker) :][:255])

    async def phase(self, name: str) -> list[BaseException]:
        """Run the phase's steps: in order on each server, the servers in parallel; the errors."""

        async def on(server: ProjectServer) -> None:
            for step in self.steps:
                if step.server.id == server.id and step.phase == name:
                    await self.run_step(step)

        outcomes = await asyncio.gather(*(on(server) for server in self.servers), return_exceptions=True)
        errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        for error in errors:
            if isinstance(error, asyncio.CancelledError):
                raise error
        return errors

    async def resolve(self) -> None:
        """The commit to deploy: the one asked for (a push's or the deploy URL's `sha`), else
        what the branch or tag names now."""
        if self.deployment.commit_hash:
            self.commit = self.deployment.commit_hash
            return
        first = self.steps[0]
        script = ops.render_resolve(clone_url(self.project), self.deployment.reference)
        try:
            result = await host.run(self.sessions, first.server, script, time_limit=120)
        except (RemoteError, HostActionFailed) as exc:
            raise StepFailed(
                f"Could not reach {first.server.name} to resolve {self.deployment.reference}: {exc}"
            ) from exc
        commit = str(result.result.get("commit") or "")
        if not result.ok or not commit:
            detail = result.output.strip().splitlines()[-1:] or ["no output"]
            raise StepFailed(f"Could not resolve {self.deployment.reference}: {detail[0]}")
        self.commit = commit

    async def remove_releases(self) -> None:
        """Take the release that never went live off every server (best effort, logged)."""

        async def remove(server: ProjectServer) -> None:
            try:
                result = await host.run(
                    self.sessions, server, ops.render_remove(self.release(server)), time_limit=300
                )
            except (RemoteError, HostActionFailed) as exc:
                log.warning(
                    "could not remove release %s from %s: %s", self.deployment.release, server.name, exc
                )
                return
            if not result.ok:
                log.warning(
                    "could not remove release %s from %s: %s",
                    self.deployment.release,
                    server.name,
                    result.output,
                )

        await asyncio.gather(*(remove(server) for server in self.servers))

    async def switch_back(self, servers: Sequence[ProjectServer]) -> list[str]:
        """Point `current` back at the release each server had before (after a failed activation
        or health check), reloading PHP-FPM as activation does; what could not be switched back."""

        async def back(server: ProjectServer) -> str | None:
            previous = self.previous.get(server.id)
            if not previous:
                return f"{server.name} had no previous release"
            fpm = ops.php_fpm_service(server.php_version) if server.should_restart_fpm else None
            script = ops.render_activate(
                ops.Release(server.deployment_path, previous),
                reload_fpm=fpm,
                sudo=server.connect_as != "root",
            )
            try:
                result = await host.run(self.sessions, server, script, time_limit=TIME_LIMITS[ACTIVATE])
            except (RemoteError, HostActionFailed) as exc:
                return f"{server.name} could not be switched back: {exc}"
            return None if result.ok else f"{server.name} could not be switched back: {result.output[-200:]}"

        outcomes = await asyncio.gather(*(back(server) for server in servers))
        return [outcome for outcome in outcomes if outcome]

    async def health(self) -> str | None:
        """Run the health checks on every server at once; the first failure stops the others.
        The failure's reason, or None when every server stayed healthy."""
        steps = [step for step in self.steps if step.phase == "health"]
        tasks = [asyncio.create_task(self.run_step(step)) for step in steps]
        if not tasks:
            return None
        try:
            done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            raise
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        failures = [task.exception() for task in done if not task.cancelled() and task.exception()]
        return "; ".join(str(failure) for failure in failures) or None


RELEASE_FORMAT = "%Y%m%d%H%M%S"


def release_name(now: datetime, latest: str | None) -> str:
    """A new release's folder name: the time, as Envoyer names them, but at least a second after
    the project's latest release (two deployments may start within one second; names must not
    collide, and their order is the releases' order)."""
    if latest:
        after = datetime.strptime(latest, RELEASE_FORMAT).replace(tzinfo=now.tzinfo) + timedelta(seconds=1)
        now = max(now, after)
    return now.strftime(RELEASE_FORMAT)


async def _load(deployment_id: int) -> Run | None:
    """Mark the deployment running and lay out its processes; None when it is not to run."""
    sessions = get_sessionmaker()
    async with sessions() as session:
        deployment = await repository.by_id(session, deployment_id)
        if deployment is None or deployment.status != DeploymentStatus.QUEUED:
            return None
        project = await projects.by_id(session, deployment.project_id)
        assert project is not None
        servers = [s for s in await projects.servers(session, project.id) if s.receives_code_deployments]
        now = utcnow()
        deployment.status, deployment.started_at = DeploymentStatus.RUNNING, now
        if deployment.source == ROLLBACK:
            planned: list[tuple[ProjectServer, int, int | None, Hook | None]] = [
                (server, 1, ACTIVATE, None) for server in servers
            ]
        else:
            hooks = await hooks_repository.of_project(session, project.id)
            planned = plan(servers, hooks, health=project.health_url is not None)
            deployment.release = release_name(now, await repository.latest_release(session, project.id))
        if deployment.commit_branch is None:
            deployment.commit_branch = deployment.reference
        processes = []
        for server, sequence, action_id, hook in planned:
            process = Process(
                deployment_id=deployment.id,
                project_id=project.id,
                server_id=server.id,
                server_name=server.name,
                sequence=sequence,
                name=hook.name if hook else ACTION_NAMES[action_id or 0],
                action_id=action_id if hook is None else hook.action_id,
                hook_id=hook.id if hook else None,
                output="",
            )
            session.add(process)
            processes.append((process, server, sequence, action_id, hook))
        await session.flush()
        steps = [
            Step(server, p.id, sequence, action_id, hook)
            for p, server, sequence, action_id, hook in processes
        ]
        await session.commit()
    return Run(sessions, deployment, project, servers, steps)


async def _finish(run: Run, status: str, reason: str | None, event: Event | None = None) -> None:
    """Record how the deployment ended and announce it (`event` overrides finished/failed)."""
    async with run.sessions() as session:
        deployment = await repository.by_id(session, run.deployment.id)
        assert deployment is not None
        deployment.status, deployment.reason, deployment.finished_at = status, reason, utcnow()
        deployment.commit_hash = run.commit or deployment.commit_hash
        deployment.commit_author = run.deployment.commit_author or deployment.commit_author
        deployment.commit_message = run.deployment.commit_message or deployment.commit_message
        await repository.close_pending(session, deployment.id, "cancelled")
        if status in (DeploymentStatus.FINISHED, DeploymentStatus.FAILED):
            event = event or (
                Event.DEPLOYMENT_FINISHED if status == DeploymentStatus.FINISHED else Event.DEPLOYMENT_FAILED
            )
            await announce(session, run.project, event, deployment=deployment, reason=reason)
        await session.commit()


async def _begin_activation(run: Run) -> bool:
    """From here on a cancel is refused; False when one came before."""
    async with run.sessions() as session:
        began = await repository.begin_activation(session, run.deployment.id)
        await session.commit()
    return began


async def _watch_cancel(run: Run, target: asyncio.Task[list[BaseException]]) -> None:
    while True:
        await asyncio.sleep(CANCEL_POLL_SECONDS)
        async with run.sessions() as session:
            status = await repository.status_of(session, run.deployment.id)
        if status == DeploymentStatus.CANCELLING:
            target.cancel()
            return


async def deploy(deployment_id: int) -> None:
    """Carry out a queued deployment or rollback (see the module's docstring)."""
    run = await _load(deployment_id)
    if run is None:
        return
    if not run.servers:
        await _finish(
            run, DeploymentStatus.FAILED, "The project has no server that receives code deployments."
        )
        return
    if run.deployment.source == ROLLBACK:
        await _roll_back(run)
        return

    async def build() -> list[BaseException]:
        await run.resolve()
        async with run.sessions() as session:
            deployment = await repository.by_id(session, run.deployment.id)
            assert deployment is not None
            deployment.commit_hash = run.commit
            await session.commit()
        return await run.phase("build")

    task = asyncio.create_task(build())
    watcher = asyncio.create_task(_watch_cancel(run, task))
    try:
        errors = await task
    except asyncio.CancelledError:
        if not task.cancelled():
            task.cancel()  # the job itself is being stopped
            raise
        await run.remove_releases()
        await _finish(run, DeploymentStatus.CANCELLED, "Cancelled before activation; nothing went live.")
        return
    except StepFailed as exc:
        await _finish(run, DeploymentStatus.FAILED, str(exc))
        return
    finally:
        watcher.cancel()
    if errors:
        await run.remove_releases()
        await _finish(run, DeploymentStatus.FAILED, "; ".join(str(e) for e in errors) + " Nothing went live.")
        return
    if not await _begin_activation(run):
        await run.remove_releases()
        await _finish(run, DeploymentStatus.CANCELLED, "Cancelled before activation; nothing went live.")
        return

    errors = await run.phase("activate")
    if errors:
        await run.switch_back([s for s in run.servers if s.id in run.previous])
        await run.remove_releases()
        await _finish(run, DeploymentStatus.FAILED, "; ".join(str(e) for e in errors) + " Switched back.")
        return
    errors = await run.phase("activated")
    if errors:
        await _finish(
            run, DeploymentStatus.FAILED, "; ".join(str(e) for e in errors) + " The release is live."
        )
        return
    unhealthy = await run.health()
    if unhealthy:
        stuck = await run.switch_back(run.servers)
        if stuck:
            reason = f"{unhealthy}. Not switched back: {'; '.join(stuck)}."
            await _finish(run, DeploymentStatus.FAILED, reason, Event.HEALTH_CHECK_FAILED)
            return
        await run.remove_releases()
        await _finish(
            run,
            DeploymentStatus.FAILED,
            f"{unhealthy}. Switched back to the previous release on every server; the new one was removed.",
            Event.HEALTH_CHECK_FAILED,
        )
        return
    errors = await run.phase("after")
    if errors:
        await _finish(
            run, DeploymentStatus.FAILED, "; ".join(str(e) for e in errors) + " The release is live."
        )
        return
    await _finish(run, DeploymentStatus.FINISHED, None)


async def _roll_back(run: Run) -> None:
    """Make an earlier release live again on every server at once (the activation alone)."""
    run.commit = run.deployment.commit_hash or ""
    if not await _begin_activation(run):
        await _finish(run, DeploymentStatus.CANCELLED, "Cancelled before anything changed.")
        return
    errors = await run.phase("activate")
    if errors:
        await run.switch_back([s for s in run.servers if run.previous.get(s.id)])
        await _finish(
            run,
            DeploymentStatus.FAILED,
            "; ".join(str(e) for e in errors) + " Every server was switched back to the release it had.",
        )
        return
    await _finish(run, DeploymentStatus.FINISHED, None)
