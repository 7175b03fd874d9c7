"""Run one workflow: stages in order, the steps of a stage concurrently, under the lease."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from shipyard_agent.backends.base import Backend, StepError, StepHandle, WorkflowContext
from shipyard_agent.client import Client, LeaseLost
from shipyard_agent.logs import LogStream
from shipyard_protocol import LogType, StepSpec, StepState, WorkflowState, WorkflowTask

log = logging.getLogger(__name__)


def now() -> int:
    return int(time.time())


class WorkflowRun:
    def __init__(self, client: Client, backend: Backend, task: WorkflowTask) -> None:
        self.client = client
        self.backend = backend
        self.task = task
        self.canceled = asyncio.Event()
        self.lease_lost = False
        self.failed = False
        self.logs = LogStream(client, task.id, task.mask)
        self.handles: list[StepHandle] = []

    async def run(self) -> None:
        task = self.task
        log.info("workflow %d (%s): starting", task.id, task.name)
        started = now()
        try:
            await self.client.init(task.id, WorkflowState(started=started))
        except LeaseLost:
            log.warning("workflow %d: lost before it started", task.id)
            return
        self.logs.start()
        watchers = [asyncio.create_task(self._extend()), asyncio.create_task(self._wait())]
        error = ""
        ctx: WorkflowContext | None = None
        try:
            ctx = await self.backend.setup(task)
            async with asyncio.timeout(task.timeout_seconds or None):
                for stage in task.stages:
                    await self._stage(ctx, stage)
        except TimeoutError:
            error = f"the workflow timed out after {task.timeout_seconds // 60} minutes"
            self.canceled.set()
        except Exception as exc:
            log.exception("workflow %d failed", task.id)
            error = f"agent error: {exc}"
        finally:
            for watcher in watchers:
                watcher.cancel()
            if ctx is not None:
                await self.backend.destroy(ctx)
            await self.logs.close()
        if self.lease_lost:
            log.warning("workflow %d: lease lost, not reporting its end", task.id)
            return
        state = WorkflowState(
            started=started, finished=now(), error=error, canceled=self.canceled.is_set() and not error
        )
        with contextlib.suppress(LeaseLost):
            await self.client.done(task.id, state)
        log.info("workflow %d (%s): done%s", task.id, task.name, " (canceled)" if state.canceled else "")

    async def _extend(self) -> None:
        while True:
            await asyncio.sleep(max(self.task.lease_seconds / 3, 0.5))
            try:
                result = await self.client.extend(self.task.id)
            except LeaseLost:
                self.lease_lost = True
                self.canceled.set()
                await self._kill_all()
                return
            if result.canceled:
                await self._cancel()

    async def _wait(self) -> None:
        while True:
            try:
                result = await self.client.wait(self.task.id)
            except LeaseLost:
                return
            if result.canceled:
                await self._cancel()
                return
            if result.done:
                return

    async def _cancel(self) -> None:
        if not self.canceled.is_set():
            log.info("workflow %d: canceled", self.task.id)
            self.canceled.set()
        await self._kill_all()

    async def _kill_all(self) -> None:
        for handle in list(self.handles):
            await self.backend.kill(handle)

    async def _stage(self, ctx: WorkflowContext, stage: list[StepSpec]) -> None:
        results = await asyncio.gather(*(self._step(ctx, step) for step in stage))
        if any(results):
            self.failed = True

    async def _report(self, state: StepState) -> None:
        with contextlib.suppress(LeaseLost):
            await self.client.update(self.task.id, state)

    async def _step(self, ctx: WorkflowContext, step: StepSpec) -> bool:
        """Run one step; True when it failed in a way that fails the workflow."""
        if self.canceled.is_set():
            return False  # left pending: the server marks what never ran as killed when the workflow ends
        runs = step.on_failure if self.failed else step.on_success
        if not runs:
            await self._report(StepState(step_uuid=step.uuid, skipped=True))
            return False
        started = now()
        clock = time.monotonic()
        env = {
            **step.environment,
            "CI_PIPELINE_STATUS": "failure" if self.failed else "success",
            "CI_STEP_STARTED": str(started),
        }
        await self._report(StepState(step_uuid=step.uuid, started=started))
        try:
            handle = await self.backend.start(
                ctx, step, env, lambda line: self.logs.line(step.uuid, clock, line)
            )
        except StepError as exc:
            self.logs.line(step.uuid, clock, str(exc), LogType.STDERR)
            await self.logs.flush()
            await self._report(
                StepState(
                    step_uuid=step.uuid,
                    started=started,
                    finished=now(),
                    exited=True,
                    exit_code=1,
                    error=str(exc),
                )
            )
            return step.failure != "ignore"
        self.handles.append(handle)
        if step.detach:
            # Services and detached steps run on in the background until the workflow ends (the
            # backend's destroy kills them); once started they count as a success, as in Woodpecker.
            await self._report(
                StepState(step_uuid=step.uuid, started=started, finished=now(), exited=True, exit_code=0)
            )
            return False
        code = await self.backend.wait(handle)
        self.handles.remove(handle)
        await (
            self.logs.flush()
        )  # every line is stored before the step is reported over (SSE readers end there)
        if self.canceled.is_set():
            await self._report(
                StepState(step_uuid=step.uuid, started=started, finished=now(), canceled=True, exit_code=code)
            )
            return True
        await self._report(
            StepState(step_uuid=step.uuid, started=started, finished=now(), exited=True, exit_code=code)
        )
        return code != 0 and step.failure != "ignore"
