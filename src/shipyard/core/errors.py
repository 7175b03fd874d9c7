"""Domain errors. Each maps to one HTTP status in `shipyard.app`; services raise, routers don't catch."""

from __future__ import annotations


class ShipyardError(Exception):
    """An expected failure with a message fit for the API caller."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.headers = headers or {}


class Unauthenticated(ShipyardError):
    status_code = 401
    code = "unauthenticated"


class Forbidden(ShipyardError):
    status_code = 403
    code = "forbidden"


class NotFound(ShipyardError):
    status_code = 404
    code = "not_found"

    def __init__(self, what: str = "resource") -> None:
        super().__init__(f"The requested {what} could not be found.")


class Conflict(ShipyardError):
    status_code = 409
    code = "conflict"


class RateLimited(ShipyardError):
    status_code = 429
    code = "too_many_attempts"


class Maintenance(ShipyardError):
    status_code = 503
    code = "maintenance"


class ValidationFailed(ShipyardError):
    """Business-rule validation: 422 in the Laravel shape, like schema errors."""

    status_code = 422
    code = "validation_failed"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(summarize(errors))


def summarize(errors: dict[str, list[str]]) -> str:
    """Laravel's message: the first reason, plus how many more there are."""
    reasons = [reason for field_reasons in errors.values() for reason in field_reasons]
    if not reasons:
        return "The given data was invalid."
    more = len(reasons) - 1
    suffix = "" if more == 0 else f" (and {more} more error{'s' if more > 1 else ''})"
    return reasons[0] + suffix
