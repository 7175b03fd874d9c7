"""Mount the dashboard on the app: its routers, static files, and errors shown as pages.

The API keeps its JSON errors: only requests that went through a dashboard router (marked by
`mark_dashboard`) get HTML error pages, and an unknown path under /api stays a JSON 404.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from shipyard.auth import sessions
from shipyard.core.db import get_sessionmaker
from shipyard.core.errors import NotFound, ShipyardError
from shipyard.core.settings import get_settings
from shipyard.web.audit.router import router as audit_router
from shipyard.web.auth.router import router as auth_router
from shipyard.web.ci.agents import router as ci_agents_router
from shipyard.web.ci.forges import router as ci_forges_router
from shipyard.web.ci.router import router as ci_router
from shipyard.web.context import SESSION_COOKIE, SignInRequired
from shipyard.web.projects.router import router as projects_router
from shipyard.web.projects.settings import router as project_settings_router
from shipyard.web.servers.router import router as servers_router
from shipyard.web.sites.router import router as sites_router
from shipyard.web.sites.settings import router as site_settings_router
from shipyard.web.templating import render

STATIC = Path(__file__).parent / "static"
# src/shipyard/web/app.py -> the checkout's web/node_modules, filled by `npm ci` (./dev does it).
DEFAULT_VENDOR = Path(__file__).resolve().parents[3] / "web" / "node_modules"

# Paths that are not the dashboard's: their 404s stay JSON.
API_PREFIXES = ("/api/", "/swagger", "/static/")


def vendor_dir() -> Path:
    return get_settings().dashboard_vendor_dir or DEFAULT_VENDOR


def _is_dashboard(request: Request) -> bool:
    return bool(getattr(request.state, "dashboard", False))


def _htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


async def _sign_in_first(request: Request, exc: Exception) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = "/login" if target == "/" else f"/login?next={quote(target, safe='')}"
    if _htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


async def _answer(result: Response | Awaitable[Response]) -> Response:
    """What an exception handler returned, awaited if it is a coroutine."""
    return await result if inspect.isawaitable(result) else result


def install(app: FastAPI) -> None:
    """Add the dashboard's routes (after the API's), static files and error pages to `app`."""
    app.mount("/static/vendor", StaticFiles(directory=vendor_dir(), check_dir=False), name="vendor")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    routers = (
        auth_router,
        servers_router,
        sites_router,
        site_settings_router,
        projects_router,
        project_settings_router,
        ci_router,
        ci_agents_router,
        ci_forges_router,
    )
    for router in (*routers, audit_router):
        app.include_router(router)

    api_error = app.exception_handlers[ShipyardError]
    api_http_error = app.exception_handlers[StarletteHTTPException]

    async def shipyard_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ShipyardError)
        if not _is_dashboard(request):
            return await _answer(api_error(request, exc))
        if _htmx(request):
            # Shown in the page's message area; 200 so that htmx swaps it in.
            headers = {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
            response = render(request, "_flash.html", error=exc.message)
            response.headers.update(headers)
            return response
        return render(request, "error.html", status_code=exc.status_code, error=exc.message)

    async def http_error(request: Request, exc: Exception) -> Response:
        """An unknown page is the sign-in page for a signed-out visitor, else a 404 page."""
        assert isinstance(exc, StarletteHTTPException)
        path = request.url.path
        unknown_page = exc.status_code == 404 and request.method == "GET" and path != "/api"
        if _is_dashboard(request) or (unknown_page and not path.startswith(API_PREFIXES)):
            async with get_sessionmaker()() as session:
                signed_in = await sessions.resolve(session, request.cookies.get(SESSION_COOKIE))
            if signed_in is None:
                return await _sign_in_first(request, SignInRequired())
            request.state.dashboard = True
            return await shipyard_error(request, NotFound("page"))
        return await _answer(api_http_error(request, exc))

    app.add_exception_handler(ShipyardError, shipyard_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(SignInRequired, _sign_in_first)
