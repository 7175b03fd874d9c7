"""Sign-in and sign-out, and the account page: two-factor enrolment, API tokens and cloud
provider credentials."""

from __future__ import annotations

from typing import Any

import segno
from fastapi import APIRouter, Depends, Request
from markupsafe import Markup
from starlette.responses import RedirectResponse, Response

from shipyard.audit import service as audit
from shipyard.auth import service, sessions
from shipyard.auth.scopes import RESOURCES
from shipyard.core.errors import ShipyardError
from shipyard.core.settings import get_settings
from shipyard.http.session import DbSession
from shipyard.web import sections
from shipyard.web.auth.credentials import BY_KEY
from shipyard.web.context import (
    SESSION_COOKIE,
    SignedIn,
    Visitor,
    client_ip,
    form_of,
    mark_dashboard,
    recover,
)
from shipyard.web.templating import failure, render

router = APIRouter(dependencies=[Depends(mark_dashboard)], include_in_schema=False)

TOKENS_SHOWN = 50
# What a finished change says on the account page it redirects to (`/account?done=KEY`).
NOTICES = {
    "otp-on": "Two-factor authentication is on.",
    "otp-off": "Two-factor authentication is off.",
    "revoked": "The token is revoked.",
}


def _done(key: str) -> Response:
    return RedirectResponse(f"/account?done={key}", status_code=303)


def next_page(target: str | None) -> str:
    """Where to go after signing in: a path of this site only."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/servers"


@router.get("/")
async def home(visitor: SignedIn) -> Response:
    return RedirectResponse("/servers", status_code=303)


@router.get("/login")
async def login_page(request: Request, session: DbSession) -> Response:
    if await sessions.resolve(session, request.cookies.get(SESSION_COOKIE)) is not None:
        return RedirectResponse(next_page(request.query_params.get("next")), status_code=303)
    return render(request, "login.html", next=request.query_params.get("next", ""), values={}, errors={})


@router.post("/login")
async def login(request: Request, session: DbSession) -> Response:
    form = await form_of(request)
    values = {key: str(form.get(key, "")) for key in ("username", "next")}
    try:
        signed_in = await sessions.sign_in(
            session,
            name=values["username"],
            password=str(form.get("password", "")),
            otp=str(form.get("otp", "")) or None,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except ShipyardError as exc:
        return render(
            request,
            "login.html",
            next=values["next"],
            values=values,
            **failure(exc),
        )
    actor = Visitor(signed_in.record, client_ip(request)).actor
    audit.record(session, actor, "session.create", subject=f"session:{signed_in.record.id}")
    response = RedirectResponse(next_page(values["next"]), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed_in.cookie,
        max_age=int(get_settings().session_hours * 3600),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
async def logout(visitor: SignedIn, session: DbSession) -> Response:
    audit.record(session, visitor.actor, "session.delete", subject=f"session:{visitor.record.id}")
    await sessions.sign_out(session, visitor.record)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    return response


def _qr(uri: str) -> Markup:
    """The otpauth:// URI as an inline SVG QR code."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2, title="QR code of the two-factor secret")
    return Markup(svg)


async def _account(request: Request, visitor: Visitor, session: DbSession, **context: Any) -> Response:
    tokens, total = await service.list_tokens(session, visitor.user, offset=0, limit=TOKENS_SHOWN)
    pending = visitor.record.otp_pending
    enrolment = (
        {"qr": _qr(sessions.otp_uri(visitor.user, pending)), "secret": pending}
        if pending is not None
        else None
    )
    context.setdefault("errors", {})
    return render(
        request,
        "account.html",
        user=visitor.user,
        tokens=tokens,
        total_tokens=total,
        resources=RESOURCES,
        enrolment=enrolment,
        **context,
    )


@router.get("/account")
async def account(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    return await _account(request, visitor, session, notice=NOTICES.get(request.query_params.get("done", "")))


@router.post("/account/two-factor")
async def start_two_factor(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """Begin enrolment: a new secret, shown as a QR code until a code confirms it."""
    sessions.start_otp_enrolment(visitor.record)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/two-factor/confirm")
async def confirm_two_factor(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    try:
        sessions.confirm_otp_enrolment(visitor.record, visitor.text("code"))
    except ShipyardError as exc:
        return await _account(request, visitor, session, **failure(exc))
    audit.record(session, visitor.actor, "user.otp.enable", subject=f"user:{visitor.user.id}")
    return _done("otp-on")


@router.post("/account/two-factor/disable")
async def disable_two_factor(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    try:
        sessions.disable_otp(visitor.user, visitor.text("code"))
    except ShipyardError as exc:
        return await _account(request, visitor, session, **failure(exc))
    audit.record(session, visitor.actor, "user.otp.disable", subject=f"user:{visitor.user.id}")
    return _done("otp-off")


@router.post("/account/tokens")
async def create_token(request: Request, visitor: SignedIn, session: DbSession) -> Response:
    """The new token's value is shown in this answer only."""
    try:
        issued = await service.create_token(
            session, visitor.user, visitor.text("name"), visitor.texts("scopes")
        )
    except ShipyardError as exc:
        await recover(session, visitor)
        return await _account(request, visitor, session, values=visitor.form, **failure(exc))
    audit.record(
        session,
        visitor.actor,
        "token.create",
        subject=f"token:{issued.record.id}",
        details={"name": issued.record.name, "owner": visitor.user.name},
    )
    return await _account(request, visitor, session, issued=issued)


@router.post("/account/tokens/{token_id}/delete")
async def delete_token(token_id: int, request: Request, visitor: SignedIn, session: DbSession) -> Response:
    deleted = await service.delete_token(session, visitor.user, str(token_id))
    audit.record(
        session,
        visitor.actor,
        "token.delete",
        subject=f"token:{deleted.id}",
        details={"name": deleted.name, "owner": visitor.user.name},
    )
    return _done("revoked")


async def _account_page(visitor: SignedIn) -> sections.Page:
    return sections.Page((), "/account")


sections.serve(router, "/account", BY_KEY, _account_page)
