"""The agent's side of the protocol: HTTP calls to `/api/agent/...`, retried on network errors."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from shipyard_protocol import (
    AgentInfo,
    LogEntry,
    NextRequest,
    Registered,
    StepState,
    WaitResult,
    WorkflowState,
    WorkflowTask,
)

log = logging.getLogger(__name__)
RETRY_DELAYS = (0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0)


class LeaseLost(Exception):
    """The server no longer gives this agent the workflow (409): stop working on it."""


class Client:
    def __init__(self, server: str, token: str, *, poll_seconds: float = 30.0) -> None:
        self.http = httpx.AsyncClient(
            base_url=server.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(30.0, read=poll_seconds + 30.0),
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def _post(self, path: str, body: Any = None, *, retry: bool = True) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = await self.http.post(path, json=body)
            except httpx.TransportError as exc:
                if not retry:
                    raise
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                log.warning("%s failed (%s); retrying in %.2fs", path, exc, delay)
                attempt += 1
                await asyncio.sleep(delay)
                continue
            if response.status_code == 409:
                raise LeaseLost(response.text)
            if response.status_code >= 500 and retry:
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                attempt += 1
                await asyncio.sleep(delay)
                continue
            response.raise_for_status()
            return response

    async def register(self, info: AgentInfo) -> Registered:
        return Registered.model_validate((await self._post("/api/agent/register", info.model_dump())).json())

    async def next(self, labels: dict[str, str], runner: int = 0) -> WorkflowTask | None:
        response = await self._post("/api/agent/next", NextRequest(labels=labels, runner=runner).model_dump())
        if response.status_code == 204:
            return None
        return WorkflowTask.model_validate(response.json())

    async def init(self, workflow_id: int, state: WorkflowState) -> None:
        await self._post(f"/api/agent/workflows/{workflow_id}/init", state.model_dump())

    async def extend(self, workflow_id: int) -> WaitResult:
        response = await self._post(f"/api/agent/workflows/{workflow_id}/extend")
        return WaitResult.model_validate(response.json())

    async def wait(self, workflow_id: int) -> WaitResult:
        response = await self._post(f"/api/agent/workflows/{workflow_id}/wait")
        return WaitResult.model_validate(response.json())

    async def update(self, workflow_id: int, state: StepState) -> None:
        await self._post(f"/api/agent/workflows/{workflow_id}/steps", state.model_dump())

    async def logs(self, workflow_id: int, entries: list[LogEntry]) -> None:
        await self._post(
            f"/api/agent/workflows/{workflow_id}/logs", [e.model_dump(mode="json") for e in entries]
        )

    async def done(self, workflow_id: int, state: WorkflowState) -> None:
        await self._post(f"/api/agent/workflows/{workflow_id}/done", state.model_dump())
