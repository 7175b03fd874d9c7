"""SSH key jobs: authorize and remove keys in a user's authorized_keys on the host."""

from __future__ import annotations

from shipyard.hostops.keys import KeySpec, render_install, render_remove
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import job
from shipyard.servers import resources
from shipyard.servers.keys import repository


@job("keys.install", timeout=300, max_attempts=2)
async def install(ctx: JobContext, resource_id: int) -> None:
    await resources.install(
        ctx,
        repository.by_id,
        resource_id,
        lambda key: render_install(KeySpec(key.id, key.username, key.key)),
        f"Installing SSH key {resource_id}",
    )


@job("keys.remove", timeout=300, max_attempts=3)
async def remove(ctx: JobContext, resource_id: int) -> None:
    await resources.remove(
        ctx,
        repository.by_id,
        resource_id,
        lambda key: render_remove(KeySpec(key.id, key.username, key.key)),
        f"Removing SSH key {resource_id}",
    )
