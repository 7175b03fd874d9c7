"""Every error leaves as JSON: `{"message", "code"}`, and Laravel's `errors` map for 422."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from shipyard.core.errors import ShipyardError, ValidationFailed, summarize

log = logging.getLogger(__name__)


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _reason(error: dict[str, Any], field: str) -> str:
    kind = error.get("type", "")
    if kind == "missing":
        return f"The {field} field is required."
    if kind == "json_invalid":
        return "The request body is not valid JSON."
    message = str(error.get("msg", "is invalid"))
    return f"The {field} field is invalid: {message[0].lower()}{message[1:]}."


def laravel_errors(errors: Sequence[Any]) -> dict[str, list[str]]:
    """Pydantic errors keyed Laravel's way: the field's dotted path, without `body`."""
    result: dict[str, list[str]] = {}
    for error in errors:
        field = "body" if error.get("type") == "json_invalid" else _field(error.get("loc", ()))
        result.setdefault(field, []).append(_reason(error, field))
    return result


def _validation_response(errors: dict[str, list[str]]) -> JSONResponse:
    return JSONResponse({"message": summarize(errors), "errors": errors}, status_code=422)


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return _validation_response(laravel_errors(exc.errors()))


async def _shipyard_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ShipyardError)
    if isinstance(exc, ValidationFailed):
        return _validation_response(exc.errors)
    return JSONResponse(
        {"message": exc.message, "code": exc.code}, status_code=exc.status_code, headers=exc.headers
    )


# The columns of a violated unique constraint, as SQLite and PostgreSQL name them.
_UNIQUE_COLUMNS = (
    re.compile(r"UNIQUE constraint failed: ([\w., ]+)"),
    re.compile(r"Key \(([\w, ]+)\)=\(.*\) already exists", re.DOTALL),
)


def taken_field(exc: IntegrityError) -> str | None:
    """The field a unique-constraint violation is about (its last column that is not a foreign
    key), or None when `exc` is another kind of integrity error."""
    cause = getattr(exc.orig, "__cause__", None)  # asyncpg's error, under SQLAlchemy's adapter
    text = f"{exc.orig}\n{cause or ''}\n{getattr(cause, 'detail', None) or ''}"
    for pattern in _UNIQUE_COLUMNS:
        match = pattern.search(text)
        if match:
            columns = [column.strip().rsplit(".", 1)[-1] for column in match.group(1).split(",")]
            return next((c for c in reversed(columns) if not c.endswith("_id")), columns[-1])
    return None


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    """Two requests that create the same thing at once: the check in the service let both through,
    the database let one; the other is told as if the check had caught it."""
    assert isinstance(exc, IntegrityError)
    field = taken_field(exc)
    if field is None:
        return await _unexpected(request, exc)
    return _validation_response({field: [f"The {field} has already been taken."]})


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = {404: "Not Found.", 405: "Method Not Allowed."}.get(exc.status_code, str(exc.detail))
    return JSONResponse({"message": message}, status_code=exc.status_code, headers=exc.headers)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"message": "Server Error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(ShipyardError, _shipyard_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
