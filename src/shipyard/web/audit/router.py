"""The audit log page: who did what, when, to what, and through which token or session;
filtered by user (administrators see everyone's), resource and action, a page at a time."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from shipyard.audit import service as audit
from shipyard.auth import service as auth
from shipyard.http.session import DbSession
from shipyard.web.context import SignedIn, mark_dashboard
from shipyard.web.templating import render

router = APIRouter(dependencies=[Depends(mark_dashboard)], include_in_schema=False)

PAGE_SIZE = 50
MAX_USERS = 1000


def _number(text: str | None) -> int | None:
    return int(text) if text and text.isdigit() and len(text) < 10 else None


@router.get("/audit")
async def audit_log(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """Newest first; a user sees their own entries, an administrator everyone's (or one user's)."""
    params = request.query_params
    me = visitor.user
    if me.is_admin:
        users, _ = await auth.list_users(session, offset=0, limit=MAX_USERS)
        names = {user.id: user.name for user in users}
        user_id = _number(params.get("user"))
    else:
        names, user_id = {me.id: me.name}, me.id
    action = params.get("action", "")[:128]
    resource = params.get("resource", "").strip()[:255]
    page = max(1, _number(params.get("page")) or 1)
    rows, total = await audit.search(
        session,
        user_id=user_id,
        action=action or None,
        resource=resource or None,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    own_tokens, _ = await auth.list_tokens(session, me, offset=0, limit=MAX_USERS)
    tokens = {token.id: token.name for token in own_tokens}
    filters: dict[str, Any] = {"action": action, "resource": resource}
    if me.is_admin and user_id is not None:
        filters["user"] = user_id
    query = {key: value for key, value in filters.items() if value}
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "audit/list.html",
        events=rows,
        total=total,
        names=names,
        tokens=tokens,
        actions=await audit.actions(session, user_id=None if me.is_admin else me.id),
        admin=me.is_admin,
        user_id=user_id,
        action=action,
        resource=resource,
        page=page,
        pages=pages,
        previous=urlencode({**query, "page": page - 1}) if page > 1 else None,
        next=urlencode({**query, "page": page + 1}) if page < pages else None,
        filtered=bool(query),
    )
