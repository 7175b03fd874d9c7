"""The settings sections of a CI repository's page: secrets, registries and cron jobs, each with
its add form and remove buttons (the shared `web/sections.py` machinery; the owner is the
repository's id). Changing them needs push access to the repository, as in the API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, get_args

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.audit import service as audit
from shipyard.ci.cron import service as crons
from shipyard.ci.cron.schemas import CronCreate
from shipyard.ci.repos import service as repos
from shipyard.ci.repos.models import Repo
from shipyard.ci.repos.schemas import Event
from shipyard.ci.secrets import service as secrets
from shipyard.ci.secrets.schemas import RegistryCreate, SecretCreate
from shipyard.core.errors import NotFound
from shipyard.web.context import Visitor
from shipyard.web.sections import ROWS_SHOWN, Column, Input, Section, by_key, code
from shipyard.web.templating import reltime

REPO_SCOPE = 0  # secrets and registries of a repository have org_id 0
EVENTS = get_args(Event)


async def _repo(session: AsyncSession, visitor: Visitor, repo_id: int) -> Repo:
    return await repos.get(session, visitor.user, repo_id, "push")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


async def _event_choices(session: AsyncSession, visitor: Visitor, repo_id: int) -> Sequence[tuple[str, str]]:
    return [(event, event.replace("_", " ")) for event in EVENTS]


# Secrets.


async def _secrets(session: AsyncSession, visitor: Visitor, repo_id: int) -> Sequence[Any]:
    await _repo(session, visitor, repo_id)
    rows, _ = await secrets.list_secrets(session, REPO_SCOPE, repo_id, offset=0, limit=ROWS_SHOWN + 1)
    return rows


async def _add_secret(session: AsyncSession, visitor: Visitor, repo_id: int) -> str:
    await _repo(session, visitor, repo_id)
    body = visitor.model(SecretCreate, images=_split(visitor.text("images")))
    secret = await secrets.create_secret(session, REPO_SCOPE, repo_id, body)
    audit.record(session, visitor.actor, "ci.secret.create", subject=f"ci-secret:{secret.id}")
    return f"Secret {secret.name} added: steps get it with from_secret."


async def _delete_secret(session: AsyncSession, visitor: Visitor, repo_id: int, row_id: int) -> str:
    row = next((s for s in await _secrets(session, visitor, repo_id) if s.id == row_id), None)
    if row is None:
        raise NotFound("secret")
    await secrets.delete_secret(session, REPO_SCOPE, repo_id, row.name)
    audit.record(session, visitor.actor, "ci.secret.delete", subject=f"ci-repo:{repo_id}:{row.name}")
    return f"Secret {row.name} removed."


SECRETS = Section(
    key="secrets",
    remove_confirm="Delete this secret? Pipelines that use it will fail to compile.",
    title="Secrets",
    empty="No secrets: add one, then name it in a step's `from_secret`.",
    inputs=(
        Input("name", "Name", required=True),
        Input("value", "Value", kind="password", required=True),
        Input("images", "Only for images", hint="Comma-separated; empty: every image."),
        Input("note", "Note"),
        Input("events[]", "Only for events (none: every event)", kind="checkboxes", choices=_event_choices),
    ),
    columns=(
        Column("Name", lambda row: code(row.name)),
        Column("Events", lambda row: ", ".join(row.events) or "all"),
        Column("Images", lambda row: ", ".join(row.images) or "all"),
        Column("Note", lambda row: row.note),
    ),
    rows=_secrets,
    create=_add_secret,
    delete=_delete_secret,
    add_label="Add secret",
)


# Registries.


async def _registries(session: AsyncSession, visitor: Visitor, repo_id: int) -> Sequence[Any]:
    await _repo(session, visitor, repo_id)
    rows, _ = await secrets.list_registries(session, REPO_SCOPE, repo_id, offset=0, limit=ROWS_SHOWN + 1)
    return rows


async def _add_registry(session: AsyncSession, visitor: Visitor, repo_id: int) -> str:
    await _repo(session, visitor, repo_id)
    row = await secrets.create_registry(session, REPO_SCOPE, repo_id, visitor.model(RegistryCreate))
    audit.record(session, visitor.actor, "ci.registry.create", subject=f"ci-registry:{row.id}")
    return f"Registry {row.address} added."


async def _delete_registry(session: AsyncSession, visitor: Visitor, repo_id: int, row_id: int) -> str:
    row = next((r for r in await _registries(session, visitor, repo_id) if r.id == row_id), None)
    if row is None:
        raise NotFound("registry")
    await secrets.delete_registry(session, REPO_SCOPE, repo_id, row.address)
    audit.record(session, visitor.actor, "ci.registry.delete", subject=f"ci-repo:{repo_id}:{row.address}")
    return f"Registry {row.address} removed."


REGISTRIES = Section(
    key="registries",
    remove_confirm="Delete this registry login?",
    title="Registries",
    empty="No registry credentials: add a registry's address and login to pull private images.",
    inputs=(
        Input("address", "Address", required=True, hint="e.g. registry.example.com"),
        Input("username", "User name"),
        Input("password", "Password", kind="password"),
    ),
    columns=(
        Column("Address", lambda row: code(row.address)),
        Column("User name", lambda row: row.username or "—"),
    ),
    rows=_registries,
    create=_add_registry,
    delete=_delete_registry,
    add_label="Add registry",
)


# Cron jobs.


async def _crons(session: AsyncSession, visitor: Visitor, repo_id: int) -> Sequence[Any]:
    repo = await _repo(session, visitor, repo_id)
    rows, _ = await crons.page(session, repo, offset=0, limit=ROWS_SHOWN + 1)
    return rows


async def _add_cron(session: AsyncSession, visitor: Visitor, repo_id: int) -> str:
    repo = await _repo(session, visitor, repo_id)
    cron = await crons.create(session, visitor.user, repo, visitor.model(CronCreate))
    audit.record(session, visitor.actor, "ci.cron.create", subject=f"ci-cron:{cron.id}")
    return f"Cron job {cron.name} added."


async def _delete_cron(session: AsyncSession, visitor: Visitor, repo_id: int, row_id: int) -> str:
    await crons.delete(session, await _repo(session, visitor, repo_id), row_id)
    audit.record(session, visitor.actor, "ci.cron.delete", subject=f"ci-cron:{row_id}")
    return "Cron job removed."


def _next_run(row: Any) -> object:
    return reltime(datetime.fromtimestamp(row.next_exec, UTC)) if row.enabled else "disabled"


CRONS = Section(
    key="crons",
    remove_confirm="Delete this cron job? It will no longer start pipelines.",
    title="Cron jobs",
    empty="No cron jobs: add a schedule to run the pipeline of a branch on its own.",
    inputs=(
        Input("name", "Name", required=True),
        Input("schedule", "Schedule", required=True, hint="Cron syntax, e.g. 0 3 * * * or @daily."),
        Input("branch", "Branch", hint="Empty: the default branch."),
        Input("timezone", "Time zone", default="UTC"),
    ),
    columns=(
        Column("Name", lambda row: row.name),
        Column("Schedule", lambda row: code(row.schedule)),
        Column("Branch", lambda row: row.branch or "default"),
        Column("Next run", _next_run),
    ),
    rows=_crons,
    create=_add_cron,
    delete=_delete_cron,
    add_label="Add cron job",
)

SECTIONS = (SECRETS, REGISTRIES, CRONS)
BY_KEY = by_key(SECTIONS)
