"""A resource section of a dashboard page: a table of rows with a remove button each and an add form.

A section is data: its inputs, its columns, and three calls into the resource's service (rows,
create, delete). The server and site pages list theirs; one template and one set of routes
serve them all, and while a row is installing or removing the section polls until it is not.
`paged`, `creating` and `on_row` make those calls from a service's usual functions; `serve`
adds a page's three section routes to its router.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import HTMLResponse, Response

from shipyard.audit import service as audit
from shipyard.core.errors import NotFound, ShipyardError
from shipyard.http.params import ResourceId
from shipyard.http.session import DbSession
from shipyard.web.context import SignedIn, Visitor, recover
from shipyard.web.templating import failure, render

BUSY = frozenset(
    {"installing", "removing", "queued", "running", "deploying", "pending", "creating", "activating"}
)
ROWS_SHOWN = 50

# The owner of a section's rows: a server id, or (server id, site id).
Owner = Any
Choices = Callable[[AsyncSession, Visitor, Owner], Awaitable[Sequence[tuple[str, str]]]]
Rows = Callable[[AsyncSession, Visitor, Owner], Awaitable[Sequence[Any]]]
Create = Callable[[AsyncSession, Visitor, Owner], Awaitable[str]]
RowCall = Callable[[AsyncSession, Visitor, Owner, int], Awaitable[str]]


@dataclass(frozen=True)
class Input:
    """One form field; `name` may use brackets (`credentials[bucket]`, `databases[]`)."""

    name: str
    label: str
    kind: str = "text"  # text, number, password, textarea, select, checkbox, checkboxes
    options: tuple[str, ...] = ()
    choices: Choices | None = None
    required: bool = False
    default: str = ""
    hint: str = ""
    wide: bool = False

    @property
    def id(self) -> str:
        return self.name.replace("[", "-").replace("]", "")

    @property
    def error_key(self) -> str:
        """The key of this field in a ValidationFailed: `credentials[bucket]` -> `credentials.bucket`."""
        return self.name.replace("[]", "").replace("][", ".").replace("[", ".").replace("]", "")

    def value_in(self, values: dict[str, Any] | None) -> Any:
        """This field's value in a submitted (or prefilled) form, whose bracket names came as lists
        and objects (`databases[]` -> `values["databases"]`); the default when it was not sent."""
        found: Any = values or {}
        for part in self.error_key.split("."):
            if not isinstance(found, dict) or part not in found:
                # A submitted form leaves unticked boxes out: absent there means unticked.
                return "" if values and self.kind in ("checkbox", "checkboxes") else self.default
            found = found[part]
        return found


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Any], object]


@dataclass(frozen=True)
class Section:
    """`create` and `delete` return the notice to show; `delete` is None for rows that stay.
    With `update`, each row has an Edit button that opens the form filled in with `current(row)`
    (the form's values by input name), and saving calls `update`."""

    key: str
    title: str
    empty: str
    inputs: tuple[Input, ...]
    columns: tuple[Column, ...]
    rows: Rows
    create: Create | None
    delete: RowCall | None = None
    add_label: str = "Add"
    remove_confirm: str = "Remove this from the server?"
    update: RowCall | None = None
    current: Callable[[Any], dict[str, Any]] | None = None
    actions: tuple[Action, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Action:
    """A button on each row besides remove (restart a daemon, run a recipe here, ...)."""

    key: str
    label: str
    run: RowCall


def _ids(owner: Owner) -> tuple[int, ...]:
    """The owner as the ids a service takes after the user: (server_id,) or (server_id, site_id)."""
    return owner if isinstance(owner, tuple) else (owner,)


def paged(page: Callable[..., Awaitable[tuple[Any, ...]]]) -> Rows:
    """A section's rows: the first ROWS_SHOWN + 1 (to tell that there are more) of the service's
    `page(session, user, *owner, offset=, limit=)`, whose answer starts with the rows."""

    async def rows(session: AsyncSession, visitor: Visitor, owner: Owner) -> Sequence[Any]:
        answer = await page(session, visitor.user, *_ids(owner), offset=0, limit=ROWS_SHOWN + 1)
        found: Sequence[Any] = answer[0]
        return found

    return rows


def creating(
    create: Callable[..., Awaitable[Any]], schema: type[BaseModel], noun: str, notice: str
) -> Create:
    """A section's add form: the service's `create(session, user, *owner, body, actor=)` with the
    form as `schema`, audited as `{noun}.create`; `notice` may name the new row (`{row.name}`)."""

    async def run(session: AsyncSession, visitor: Visitor, owner: Owner) -> str:
        row = await create(session, visitor.user, *_ids(owner), visitor.model(schema), actor=visitor.actor)
        audit.record(session, visitor.actor, f"{noun}.create", subject=f"{noun}:{row.id}")
        return notice.format(row=row)

    return run


def on_row(call: Callable[..., Awaitable[Any]], noun: str, verb: str, notice: str) -> RowCall:
    """A row's button (remove, restart, ...): the service's `call(session, user, *owner, row_id,
    actor=)`, audited as `{noun}.{verb}`."""

    async def run(session: AsyncSession, visitor: Visitor, owner: Owner, row_id: int) -> str:
        await call(session, visitor.user, *_ids(owner), row_id, actor=visitor.actor)
        audit.record(session, visitor.actor, f"{noun}.{verb}", subject=f"{noun}:{row_id}")
        return notice

    return run


def busy(rows: Sequence[Any]) -> bool:
    """Whether a row is still changing on the host (the section then polls): its status, or its
    activation (a certificate is installed, then activated)."""
    changing = ("status", "activation_status")
    return any(getattr(row, name, None) in BUSY for row in rows for name in changing)


def code(text: object) -> Markup:
    return Markup("<code>{}</code>").format(text)


def by_key(sections: Sequence[Section]) -> dict[str, Section]:
    return {section.key: section for section in sections}


async def render_section(
    request: Request,
    session: AsyncSession,
    visitor: Visitor,
    section: Section,
    owner: Owner,
    base: str,
    *,
    rows_only: bool = False,
    editing: int | None = None,
    **context: Any,
) -> HTMLResponse:
    """The section (or only its table, for polling) with the owner's current rows; `editing`
    names the row whose values fill the form (unless the form came back refused with its own)."""
    rows = await section.rows(session, visitor, owner)
    if editing is not None:
        row = next((row for row in rows if row.id == editing), None)
        if row is None or section.current is None:
            raise NotFound("row")
        context.setdefault("values", section.current(row))
    choices = {
        item.name: await item.choices(session, visitor, owner) for item in section.inputs if item.choices
    }
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return render(
        request,
        "_rows.html" if rows_only else "_section.html",
        section=section,
        rows=rows[:ROWS_SHOWN],
        more=max(0, len(rows) - ROWS_SHOWN),
        busy=busy(rows),
        url=f"{base}/sections/{section.key}",
        events_url=base.split("/sites/")[0] + "#events-title",
        choices=choices,
        editing=editing,
        **context,
    )


async def submit(
    request: Request,
    session: AsyncSession,
    visitor: Visitor,
    section: Section,
    owner: Owner,
    base: str,
    change: Callable[[], Awaitable[str]],
    editing: int | None = None,
) -> HTMLResponse:
    """Run a change and answer with the section: the notice, or the server's reasons next to
    the fields (and the form as it was filled in, still editing its row when it was an edit)."""
    try:
        notice = await change()
    except ShipyardError as exc:
        await recover(session, visitor)
        values = visitor.values()
        return await render_section(
            request, session, visitor, section, owner, base, editing=editing, values=values, **failure(exc)
        )
    return await render_section(request, session, visitor, section, owner, base, notice=notice)


def find(sections: dict[str, Section], key: str) -> Section:
    section = sections.get(key)
    if section is None:
        raise NotFound("section")
    return section


async def add(
    request: Request, session: AsyncSession, visitor: Visitor, section: Section, owner: Owner, base: str
) -> HTMLResponse:
    """The section's add form was submitted."""
    create = section.create
    if create is None:
        raise NotFound("section")
    return await submit(
        request, session, visitor, section, owner, base, lambda: create(session, visitor, owner)
    )


async def act(
    request: Request,
    session: AsyncSession,
    visitor: Visitor,
    section: Section,
    owner: Owner,
    base: str,
    row_id: int,
    action: str,
) -> HTMLResponse:
    """A row's button (remove, or one of the section's actions), or its edit form saved."""
    builtin = {"delete": section.delete, "update": section.update}
    run = (
        builtin[action]
        if action in builtin
        else next((a.run for a in section.actions if a.key == action), None)
    )
    if run is None:
        raise NotFound("action")
    return await submit(
        request,
        session,
        visitor,
        section,
        owner,
        base,
        lambda: run(session, visitor, owner, row_id),
        editing=row_id if action == "update" else None,
    )


@dataclass(frozen=True)
class Page:
    """The page a section belongs to: the owner of its rows and the page's URL."""

    owner: Owner
    url: str


def serve(router: APIRouter, prefix: str, by_key: dict[str, Section], page_of: Callable[..., Any]) -> None:
    """Add a page's section routes under `{prefix}/sections/`: show (`?rows=1`: only the table,
    while it polls), add, a row's button, and a row's edit form. `page_of` is a dependency that
    reads the prefix's path ids, checks that the visitor may see the page, and answers its `Page`."""
    # The annotations are strings (postponed): FastAPI resolves them in this module's globals,
    # so the dependency goes in the default, not in a local Annotated alias.
    of_page = Depends(page_of)

    @router.get(prefix + "/sections/{key}")
    async def show_section(
        key: str, request: Request, visitor: SignedIn, session: DbSession, page: Page = of_page
    ) -> Response:
        section = find(by_key, key)
        rows_only = bool(request.query_params.get("rows"))
        return await render_section(
            request, session, visitor, section, page.owner, page.url, rows_only=rows_only
        )

    @router.get(prefix + "/sections/{key}/{row_id}/edit")
    async def edit_in_section(
        key: str,
        row_id: ResourceId,
        request: Request,
        visitor: SignedIn,
        session: DbSession,
        page: Page = of_page,
    ) -> Response:
        section = find(by_key, key)
        return await render_section(request, session, visitor, section, page.owner, page.url, editing=row_id)

    @router.post(prefix + "/sections/{key}")
    async def add_to_section(
        key: str, request: Request, visitor: SignedIn, session: DbSession, page: Page = of_page
    ) -> Response:
        return await add(request, session, visitor, find(by_key, key), page.owner, page.url)

    @router.post(prefix + "/sections/{key}/{row_id}/{action}")
    async def act_in_section(
        key: str,
        row_id: ResourceId,
        action: str,
        request: Request,
        visitor: SignedIn,
        session: DbSession,
        page: Page = of_page,
    ) -> Response:
        section = find(by_key, key)
        return await act(request, session, visitor, section, page.owner, page.url, row_id, action)
