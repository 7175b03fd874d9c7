"""The `shipyard` command: serve, worker, migrate, openapi, and administration."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from collections.abc import Coroutine
from typing import Annotated, Any, TypeVar

import typer
import uvicorn
from rich.console import Console

from shipyard.auth import service as users
from shipyard.core.db import get_engine, session_scope
from shipyard.core.errors import ShipyardError
from shipyard.core.flags import MAINTENANCE, set_flag
from shipyard.core.migrate import upgrade
from shipyard.core.settings import get_settings

app = typer.Typer(
    help="Shipyard: servers, zero-downtime deployments and CI in one service.", no_args_is_help=True
)
admin_app = typer.Typer(help="Users and service administration.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
jobs_app = typer.Typer(help="The background job engine.", no_args_is_help=True)
releases_app = typer.Typer(help="Zero-downtime deployments (Envoyer projects).", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
app.add_typer(releases_app, name="releases")
app.add_typer(token_app, name="token")
app.add_typer(jobs_app, name="jobs")
console = Console(soft_wrap=True)
T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine with a fresh engine; turn domain errors into a clean exit."""

    async def wrapped() -> T:
        try:
            return await coro
        finally:
            await get_engine().dispose()

    try:
        return asyncio.run(wrapped())
    except ShipyardError as exc:
        details = getattr(exc, "errors", None)
        console.print(f"[red]error:[/red] {exc.message}" + (f" {json.dumps(details)}" if details else ""))
        raise typer.Exit(1) from None


@app.command()
def migrate() -> None:
    """Apply the database migrations (serve does this too)."""
    upgrade(get_settings().resolved_database_url)
    console.print("database is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8080,
) -> None:
    """Migrate, create the first administrator if there is none, and serve the API."""
    from shipyard.cli.bootstrap import ensure_admin

    settings = get_settings()
    upgrade(settings.resolved_database_url)
    password_file = run(ensure_admin())
    if password_file is not None:
        name = settings.admin_name
        console.print(
            f"Created the administrator [bold]{name}[/bold]; its password is in {password_file}.\n"
            f"Get an API token with:  shipyard token create --user {name} --name cli\n"
            f"or over HTTP:           curl -u {name}:PASSWORD -X POST -H 'Content-Type: application/json' "
            f'-d \'{{"name":"cli"}}\' http://{host}:{port}/api/v1/users/{name}/tokens'
        )
    get_engine.cache_clear()
    uvicorn.run(
        "shipyard.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        proxy_headers=True,
    )


@app.command()
def worker() -> None:
    """Run a job worker (several may run against one PostgreSQL database)."""
    from shipyard.app import load_jobs, make_worker

    async def main() -> None:
        load_jobs()
        job_worker = make_worker()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, job_worker.stop)
        await job_worker.run()

    console.print(f"worker started on {get_settings().resolved_database_url.split('@')[-1]}")
    run(main())


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []},
    add_help_option=False,
)
def agent(ctx: typer.Context) -> None:
    """Run a CI agent: `shipyard agent --server URL --token T [--max-workflows N] [--label k=v]`.

    The agent is its own program (`python -m shipyard_agent`, also `shipyard-agent`) that shares
    nothing with the server but the protocol: this command only replaces itself with it.
    """
    os.execv(sys.executable, [sys.executable, "-m", "shipyard_agent", *ctx.args])


@app.command()
def openapi() -> None:
    """Print the OpenAPI document (the one served at /swagger.v1.json)."""
    from shipyard.app import create_app

    typer.echo(json.dumps(create_app().openapi(), indent=1))


@admin_app.command("create-user")
def create_user(
    name: Annotated[str, typer.Option(help="login name")],
    email: Annotated[str, typer.Option()],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    admin: Annotated[bool, typer.Option("--admin", help="make the user an administrator")] = False,
) -> None:
    """Create a user."""

    async def main() -> None:
        async with session_scope() as session:
            await users.create_user(session, name=name, email=email, password=password, is_admin=admin)

    upgrade(get_settings().resolved_database_url)
    run(main())
    console.print(f"created user {name}" + (" (administrator)" if admin else ""))


@admin_app.command()
def maintenance(state: Annotated[str, typer.Argument(help="on or off")]) -> None:
    """Switch maintenance mode: while on, the API answers 503."""
    if state not in ("on", "off"):
        raise typer.BadParameter("state must be 'on' or 'off'")

    async def main() -> None:
        async with session_scope() as session:
            await set_flag(session, MAINTENANCE, "on" if state == "on" else None)

    run(main())
    console.print(f"maintenance mode is {state}")


@admin_app.command()
def otp(
    state: Annotated[str, typer.Argument(help="enable or disable")],
    user: Annotated[str, typer.Option(help="login name")],
) -> None:
    """Enable (printing the otpauth:// URI) or disable two-factor authentication for a user."""
    if state not in ("enable", "disable"):
        raise typer.BadParameter("state must be 'enable' or 'disable'")

    async def main() -> str | None:
        async with session_scope() as session:
            account = await users.get_user(session, user)
            if state == "enable":
                return users.enable_otp(account)
            users.disable_otp(account)
            return None

    uri = run(main())
    typer.echo(uri if uri else f"two-factor authentication disabled for {user}")


@token_app.command("create")
def create_token(
    user: Annotated[str, typer.Option(help="login name of the owner")],
    name: Annotated[str, typer.Option(help="a label for the token")],
    scope: Annotated[list[str] | None, typer.Option(help="a scope; repeat for several; none = all")] = None,
) -> None:
    """Create an API token and print it (it is shown only this once)."""

    async def main() -> str:
        async with session_scope() as session:
            owner = await users.get_user(session, user)
            issued = await users.create_token(session, owner, name, scope or [])
            return issued.plaintext

    typer.echo(run(main()))


@jobs_app.command("enqueue")
def enqueue(
    name: Annotated[str, typer.Argument(help="the registered job name")],
    args: Annotated[str, typer.Option(help="JSON object of arguments")] = "{}",
    resource: Annotated[str | None, typer.Option(help="resource key: one job at a time per key")] = None,
) -> None:
    """Queue a job by name and print its id."""
    from shipyard.app import load_jobs
    from shipyard.jobs import service as jobs

    async def main() -> int:
        load_jobs()
        async with session_scope() as session:
            job = jobs.enqueue(session, name, json.loads(args), resource_key=resource)
            await session.flush()
            return job.id

    typer.echo(run(main()))


@jobs_app.command("show")
def show_job(job_id: int) -> None:
    """Print a job's state and log as JSON."""
    from shipyard.jobs import service as jobs

    async def main() -> dict[str, Any]:
        async with session_scope() as session:
            job = await jobs.get(session, job_id)
            return {
                "id": job.id,
                "name": job.name,
                "status": job.status,
                "attempts": job.attempts,
                "error": job.error,
                "result": job.result,
                "logs": [line.line for line in await jobs.logs(session, job_id)],
            }

    typer.echo(json.dumps(run(main()), default=str))


@releases_app.command("rollback")
def rollback(
    project: Annotated[int, typer.Argument(help="the project's id")],
    to: Annotated[
        int | None,
        typer.Option(
            "--to",
            help="the successful deployment whose release to make live again "
            "(default: the one before the live release)",
        ),
    ] = None,
    wait: Annotated[bool, typer.Option(help="wait until a worker has carried it out")] = True,
) -> None:
    """Make a retained earlier release of a project live again on all its servers at once."""
    from shipyard.app import load_jobs
    from shipyard.core.actor import Actor
    from shipyard.releases.deployments import service as deployments
    from shipyard.releases.deployments.models import DeploymentStatus
    from shipyard.servers.host import remote

    async def queue() -> tuple[int, str, list[str]]:
        load_jobs()
        try:
            async with session_scope() as session:
                done = await deployments.rollback_any(session, project, to, actor=Actor(user_id=None))
                release = done.deployment.release or ""
                return done.deployment.id, release, done.warnings
        finally:
            await remote().close()

    async def outcome(deployment_id: int) -> tuple[str, str | None]:
        while True:
            async with session_scope() as session:
                deployment = await deployments.find(session, deployment_id)
                if deployment.status in DeploymentStatus.DONE:
                    return deployment.status, deployment.reason
            await asyncio.sleep(0.5)

    deployment_id, release, warnings = run(queue())
    console.print(f"rollback to release {release} queued as deployment {deployment_id}")
    for warning in warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
    if not wait:
        return
    status, reason = run(outcome(deployment_id))
    console.print(f"deployment {deployment_id} {status}" + (f": {reason}" if reason else ""))
    if status != DeploymentStatus.FINISHED:
        raise typer.Exit(1)
