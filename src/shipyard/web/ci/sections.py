"""The settings sections of a CI repository's page (secrets, registries and cron jobs; changing them
needs push access to the repository) and of an organization's page (secrets, registries and
agents; for its admins), as in the API. Each has its add form and remove buttons (the shared
`web/sections.py` machinery; the owner is the repository's or the organization's id)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, get_args

from sqlalchemy.ext.asyncio import AsyncSession

from shipyard.audit import service as audit
from shipyard.ci.agents import service as agents
from shipyard.ci.agents.schemas import AgentCreate
from shipyard.ci.cron import service as crons
from shipyard.ci.cron.schemas import CronCreate
from shipyard.ci.repos import service as repos
from shipyard.ci.repos.models import Repo
from shipyard.ci.repos.schemas import Event
from shipyard.ci.secrets import service as secrets
from shipyard.ci.secrets.schemas import RegistryCreate, SecretCreate
from shipyard.core.errors import NotFound
from shipyard.web.ci.agents import agent_state, labels
from shipyard.web.context import Visitor
from shipyard.web.sections import ROWS_SHOWN, Action, Column, Input, Section, by_key, code
from shipyard.web.templating import reltime, status_badge

REPO_SCOPE = 0  # secrets and registries of a repository have org_id 0
EVENTS = get_args(Event)


async def _repo(session: AsyncSession, visitor: Visitor, repo_id: int) -> Repo:
    return await repos.get(session, visitor.user, repo_id, "push")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


async def _event_choices(session: AsyncSession, visitor: Visitor, repo_id: int) -> Sequence[tuple[str, str]]:
    return [(event, event.replace("_", " ")) for event in EVENTS]


# Secrets and registries: a repository's (for those who may push to it) and an organization's
# (for its admins); `Level` checks that and gives the pair of ids the service files them under.

Level = Callable[[AsyncSession, Visitor, int], Awaitable[tuple[int, int]]]


async def _repo_level(session: AsyncSession, visitor: Visitor, repo_id: int) -> tuple[int, int]:
    await _repo(session, visitor, repo_id)
    return REPO_SCOPE, repo_id


async def _org_level(session: AsyncSession, visitor: Visitor, org_id: int) -> tuple[int, int]:
    return (await repos.org_admin(session, visitor.user, org_id)).id, 0


def _secrets(level: Level, subject: str) -> Section:
    """The secrets section at `level`; `subject` starts a removed secret's audit subject."""

    async def listed(session: AsyncSession, ids: tuple[int, int]) -> Sequence[Any]:
        found, _ = await secrets.list_secrets(session, *ids, offset=0, limit=ROWS_SHOWN + 1)
        return found

    async def rows(session: AsyncSession, visitor: Visitor, owner: int) -> Sequence[Any]:
        return await listed(session, await level(session, visitor, owner))

    async def add(session: AsyncSession, visitor: Visitor, owner: int) -> str:
        ids = await level(session, visitor, owner)
        body = visitor.model(SecretCreate, images=_split(visitor.text("images")))
        secret = await secrets.create_secret(session, *ids, body)
        audit.record(session, visitor.actor, "ci.secret.create", subject=f"ci-secret:{secret.id}")
        return f"Secret {secret.name} added: steps get it with from_secret."

    async def delete(session: AsyncSession, visitor: Visitor, owner: int, row_id: int) -> str:
        ids = await level(session, visitor, owner)
        row = next((s for s in await listed(session, ids) if s.id == row_id), None)
        if row is None:
            raise NotFound("secret")
        await secrets.delete_secret(session, *ids, row.name)
        audit.record(session, visitor.actor, "ci.secret.delete", subject=f"{subject}:{owner}:{row.name}")
        return f"Secret {row.name} removed."

    return Section(
        key="secrets",
        remove_confirm="Delete this secret? Pipelines that use it will fail to compile.",
        title="Secrets",
        empty="No secrets: add one, then name it in a step's `from_secret`.",
        inputs=(
            Input("name", "Name", required=True),
            Input("value", "Value", kind="password", required=True),
            Input("images", "Only for images", hint="Comma-separated; empty: every image."),
            Input("note", "Note"),
            Input("events[]", "Only for events (none: every event)", "checkboxes", choices=_event_choices),
        ),
        columns=(
            Column("Name", lambda row: code(row.name)),
            Column("Events", lambda row: ", ".join(row.events) or "all"),
            Column("Images", lambda row: ", ".join(row.images) or "all"),
            Column("Note", lambda row: row.note),
        ),
        rows=rows,
        create=add,
        delete=delete,
        add_label="Add secret",
    )


def _registries(level: Level, subject: str) -> Section:
    """The registries section at `level`; `subject` starts a removed registry's audit subject."""

    async def listed(session: AsyncSession, ids: tuple[int, int]) -> Sequence[Any]:
        found, _ = await secrets.list_registries(session, *ids, offset=0, limit=ROWS_SHOWN + 1)
        return found

    async def rows(session: AsyncSession, visitor: Visitor, owner: int) -> Sequence[Any]:
        return await listed(session, await level(session, visitor, owner))

    async def add(session: AsyncSession, visitor: Visitor, owner: int) -> str:
        ids = await level(session, visitor, owner)
        row = await secrets.create_registry(session, *ids, visitor.model(RegistryCreate))
        audit.record(session, visitor.actor, "ci.registry.create", subject=f"ci-registry:{row.id}")
        return f"Registry {row.address} added."

    async def delete(session: AsyncSession, visitor: Visitor, owner: int, row_id: int) -> str:
        ids = await level(session, visitor, owner)
        row = next((r for r in await listed(session, ids) if r.id == row_id), None)
        if row is None:
            raise NotFound("registry")
        await secrets.delete_registry(session, *ids, row.address)
        audit.record(session, visitor.actor, "ci.registry.delete", subject=f"{subject}:{owner}:{row.address}")
        return f"Registry {row.address} removed."

    return Section(
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
        rows=rows,
        create=add,
        delete=delete,
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


async def _run_cron(session: AsyncSession, visitor: Visitor, repo_id: int, row_id: int) -> str:
    repo = await _repo(session, visitor, repo_id)
    pipeline = await crons.run_now(session, repo, row_id, visitor.public_url)
    audit.record(session, visitor.actor, "ci.cron.run", subject=f"ci-cron:{row_id}")
    return f"Pipeline #{pipeline.number} started."


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
    actions=(Action("run", "Run now", _run_cron),),
    add_label="Add cron job",
)

# An organization's agents: they run only its repositories' workflows; the token shows once.


async def _agents(session: AsyncSession, visitor: Visitor, org_id: int) -> Sequence[Any]:
    org = await repos.org_admin(session, visitor.user, org_id)
    rows, _ = await agents.page(session, org_id=org.id, offset=0, limit=ROWS_SHOWN + 1)
    return rows


async def _add_agent(session: AsyncSession, visitor: Visitor, org_id: int) -> str:
    org = await repos.org_admin(session, visitor.user, org_id)
    body = visitor.model(AgentCreate, custom_labels=labels(visitor.text("custom_labels")))
    agent = await agents.create(session, visitor.user.id, body, org_id=org.id)
    audit.record(session, visitor.actor, "ci.agent.create", subject=f"ci-agent:{agent.id}")
    return f"Agent {agent.name} added. Its token, shown only now: {agent.token}"


async def _delete_agent(session: AsyncSession, visitor: Visitor, org_id: int, agent_id: int) -> str:
    org = await repos.org_admin(session, visitor.user, org_id)
    await agents.delete(session, agent_id, org_id=org.id)
    audit.record(session, visitor.actor, "ci.agent.delete", subject=f"ci-agent:{agent_id}")
    return "Agent removed: it can no longer take work."


LABELS_HINT = "key=value, one a line: workflows whose labels match run on this agent."
AGENTS = Section(
    key="agents",
    remove_confirm="Remove this agent? It can no longer take work with its token.",
    title="Agents",
    empty="No agents of this organization: add one and run `shipyard agent` with its token.",
    inputs=(
        Input("name", "Name", required=True),
        Input("custom_labels", "Labels", "textarea", hint=LABELS_HINT),
    ),
    columns=(
        Column("Name", lambda row: row.name),
        Column("State", lambda row: status_badge(agent_state(row))),
        Column("Platform", lambda row: row.platform or "—"),
        Column("Labels", lambda row: ", ".join(f"{k}={v}" for k, v in row.custom_labels.items()) or "—"),
    ),
    rows=_agents,
    create=_add_agent,
    delete=_delete_agent,
    add_label="Add agent",
)

SECTIONS = (_secrets(_repo_level, "ci-repo"), _registries(_repo_level, "ci-repo"), CRONS)
BY_KEY = by_key(SECTIONS)
ORG_SECTIONS = (_secrets(_org_level, "ci-org"), _registries(_org_level, "ci-org"), AGENTS)
ORG_BY_KEY = by_key(ORG_SECTIONS)
