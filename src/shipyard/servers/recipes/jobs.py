"""Recipe job: run one recipe on one server as an event, and e-mail its owner when asked."""

from __future__ import annotations

from shipyard.auth.models import User
from shipyard.core.db import get_sessionmaker
from shipyard.hostops.recipes import render_run
from shipyard.jobs.context import JobContext
from shipyard.jobs.registry import JobFailed, job
from shipyard.mail import service as mail
from shipyard.servers import host
from shipyard.servers.models import Server

RECIPE_TIME_LIMIT = 3600
# The end of the output quoted in the e-mail; the whole of it is the server event's.
MAILED_OUTPUT_LINES = 40


@job("recipes.run", timeout=RECIPE_TIME_LIMIT + 60, max_attempts=1, idempotent=False)
async def run(
    ctx: JobContext, server_id: int, recipe_id: int, name: str, user: str, script: str, notify: bool
) -> None:
    """A failed script is a failed event (and job); the run is never repeated by itself."""
    sessions = get_sessionmaker()
    description = f"Running recipe {name} (#{recipe_id})"
    try:
        result = await host.run(
            sessions,
            server_id,
            render_run(script),
            description=description,
            user_id=ctx.user_id,
            run_as=user,
            time_limit=RECIPE_TIME_LIMIT,
            check=False,
        )
        outcome = "finished" if result.ok else f"failed (exit code {result.exit_code})"
        tail = "\n".join(result.output.splitlines()[-MAILED_OUTPUT_LINES:])
    except host.HostActionFailed as exc:
        outcome, tail = "failed", str(exc)
    if notify:
        await _notify(ctx, server_id, name, outcome, tail)
    if outcome != "finished":
        raise JobFailed(f"{description} {outcome}.")


async def _notify(ctx: JobContext, server_id: int, name: str, outcome: str, tail: str) -> None:
    """Queue one e-mail to the user who ran the recipe, with the end of the output."""
    async with get_sessionmaker()() as session:
        runner = await session.get(User, ctx.user_id) if ctx.user_id is not None else None
        server = await session.get(Server, server_id)
        if runner is None:
            return
        where = server.name if server is not None else f"server {server_id}"
        mail.send(
            session,
            runner.email,
            f"Recipe {name} {outcome.split(' ')[0]} on {where}",
            f"The recipe {name} {outcome} on {where}.\n\nThe end of its output:\n\n{tail}\n",
        )
        await session.commit()
