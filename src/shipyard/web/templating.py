"""The dashboard's Jinja environment: layout context, relative times, and page/fragment responses."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup
from starlette.responses import HTMLResponse

from shipyard import __version__
from shipyard.core.db import utcnow
from shipyard.core.errors import ShipyardError, ValidationFailed
from shipyard.providers.registry import LABELS

TEMPLATES = Path(__file__).parent / "templates"

# The areas in the navigation, in order: (label, path); a new area adds itself here.
NAV: list[tuple[str, str]] = [
    ("Servers", "/servers"),
    ("Sites", "/sites"),
    ("Projects", "/projects"),
    ("CI", "/ci"),
    ("Audit log", "/audit"),
]

_UNITS = (("year", 31_536_000), ("month", 2_592_000), ("day", 86_400), ("hour", 3_600), ("minute", 60))


def ago(moment: datetime, now: datetime | None = None) -> str:
    """'3 minutes ago', 'in 2 hours', 'just now'."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = int(((now or utcnow()) - moment).total_seconds())
    if abs(seconds) < 45:
        return "just now"
    for unit, size in _UNITS:
        count = round(abs(seconds) / size)
        if count >= 1:
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"{text} ago" if seconds > 0 else f"in {text}"
    return "just now"


def reltime(moment: datetime | None) -> Markup:
    """A `<time>` showing the relative time, with the exact UTC time on hover."""
    if moment is None:
        return Markup('<span class="muted">never</span>')
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    exact = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(moment.isoformat(), exact, ago(moment))


def status_badge(status: str | None) -> Markup:
    """A coloured label for a resource's or deployment's status."""
    text = status or "unknown"
    kind = {
        "installed": "ok",
        "finished": "ok",
        "ready": "ok",
        "active": "ok",
        "failed": "bad",
        "removing": "busy",
        "installing": "busy",
        "provisioning": "busy",
        "deploying": "busy",
        "queued": "busy",
        "running": "busy",
    }.get(text, "neutral")
    return Markup('<span class="badge badge-{}">{}</span>').format(kind, text)


def _layout(request: Request) -> dict[str, Any]:
    """What every page needs; plain values, so that an error page renders after a rollback too."""
    who = getattr(request.state, "who", None)
    return {
        "who": who,
        "csrf": who.csrf if who else "",
        "nav": NAV,
        "version": __version__,
    }


templates = Jinja2Templates(directory=TEMPLATES, context_processors=[_layout])
templates.env.filters["reltime"] = reltime
templates.env.filters["badge"] = status_badge
# A server's provider by name: Forge's `ocean2` is "DigitalOcean"; `custom` is the user's own machine.
templates.env.filters["provider"] = lambda provider: LABELS.get(provider, "your own machine")


def render(request: Request, template: str, /, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page or fragment from `templates/TEMPLATE`."""
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def failure(exc: ShipyardError) -> dict[str, Any]:
    """Template context for a refused action: the server's message, and field errors if any."""
    errors = exc.errors if isinstance(exc, ValidationFailed) else {}
    return {"error": exc.message, "errors": errors}
