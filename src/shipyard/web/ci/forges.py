"""The CI forges page, for administrators: the git folders, Forgejo/Gitea, GitHub and GitLab
servers that repositories are activated from, added, edited in place (the token is write-only:
left blank, it stays) and removed, over the same service as `/api/forges`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from shipyard.audit import service as audit
from shipyard.ci.access import require_admin
from shipyard.ci.forges import service as forges
from shipyard.ci.forges.schemas import ForgeCreate, ForgePatch
from shipyard.http.session import DbSession
from shipyard.web import sections
from shipyard.web.context import SignedIn, Visitor, mark_dashboard
from shipyard.web.sections import ROWS_SHOWN, Column, Input, Section, by_key, code
from shipyard.web.templating import render

router = APIRouter(dependencies=[Depends(mark_dashboard)], include_in_schema=False)

TOKEN_HINT = "The forge's access token (API forges); write-only, blank when editing keeps it."


async def _forges(session: AsyncSession, visitor: Visitor, owner: Any) -> Sequence[Any]:
    require_admin(visitor.user)
    rows, _ = await forges.page(session, offset=0, limit=ROWS_SHOWN + 1)
    return rows


def _skip_verify(visitor: Visitor) -> dict[str, bool]:
    return {"skip_verify": visitor.text("skip_verify") == "1"}


async def _add(session: AsyncSession, visitor: Visitor, owner: Any) -> str:
    require_admin(visitor.user)
    forge = await forges.create(session, visitor.model(ForgeCreate, **_skip_verify(visitor)))
    audit.record(session, visitor.actor, "ci.forge.create", subject=f"ci-forge:{forge.id}")
    return f"Forge {forge.type} added: its repositories can be activated on the CI page."


async def _update(session: AsyncSession, visitor: Visitor, owner: Any, forge_id: int) -> str:
    require_admin(visitor.user)
    forge = await forges.update(session, forge_id, visitor.model(ForgePatch, **_skip_verify(visitor)))
    audit.record(session, visitor.actor, "ci.forge.update", subject=f"ci-forge:{forge.id}")
    return "Forge saved."


async def _delete(session: AsyncSession, visitor: Visitor, owner: Any, forge_id: int) -> str:
    require_admin(visitor.user)
    await forges.delete(session, forge_id)
    audit.record(session, visitor.actor, "ci.forge.delete", subject=f"ci-forge:{forge_id}")
    return "Forge removed, with its repositories and their pipelines."


def _values(forge: Any) -> dict[str, Any]:
    return {"type": forge.type, "url": forge.url, "skip_verify": "1" if forge.skip_verify else ""}


FORGES = Section(
    key="forges",
    title="Forges",
    empty="No forges: add a git folder, or a Forgejo/Gitea, GitHub or GitLab server with an access token.",
    remove_confirm="Remove this forge? Its repositories and their pipelines are removed with it.",
    inputs=(
        Input("type", "Type", "select", options=forges.SUPPORTED, default="git"),
        Input("url", "URL", hint="git: the root of the clone URLs; else the server (blank: github.com)."),
        Input("oauth_client_secret", "Access token", "password", hint=TOKEN_HINT),
        Input("skip_verify", "Skip TLS verification", "checkbox"),
    ),
    columns=(
        Column("Type", lambda forge: forge.type),
        Column("URL", lambda forge: code(forge.url or "(public)")),
        Column("Token", lambda forge: "set" if forge.client_secret else "—"),
    ),
    rows=_forges,
    create=_add,
    delete=_delete,
    update=_update,
    current=_values,
    add_label="Add forge",
)
BY_KEY = by_key([FORGES])


@router.get("/ci/forges")
async def forges_page(request: Request, visitor: SignedIn) -> Response:
    require_admin(visitor.user)
    return render(request, "ci/forges.html", sections=(FORGES,), url="/ci/forges")


async def _admin_page(visitor: SignedIn, session: DbSession) -> sections.Page:
    require_admin(visitor.user)
    return sections.Page((), "/ci/forges")


sections.serve(router, "/ci/forges", BY_KEY, _admin_page)
