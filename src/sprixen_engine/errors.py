"""Error hierarchy shared by the Python API, the CLI and (later) the REST server.

Each error carries the HTTP status and the API ``error`` name it maps to, so the
server can render ``{statusCode, message, error}`` without a lookup table.
"""

from __future__ import annotations


class SprixenError(Exception):
    """Base class of every error the engine raises on purpose."""

    status_code: int = 500
    error: str = "Internal Server Error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, object]:
        """The reference API's error body: ``{statusCode, message, error}``."""
        return {"statusCode": self.status_code, "message": self.message, "error": self.error}


class InvalidRequest(SprixenError, ValueError):
    """Bad input. ``field`` names the offending parameter (API field name)."""

    status_code = 400
    error = "Bad Request"


class Unauthorized(SprixenError):
    status_code = 401
    error = "Unauthorized"


class InsufficientCredits(SprixenError):
    status_code = 402
    error = "Payment Required"


class NotFound(SprixenError):
    status_code = 404
    error = "Not Found"


class RateLimited(SprixenError):
    status_code = 429
    error = "Too Many Requests"


class ModelUnavailable(SprixenError):
    """A model backend was asked for but its weights (or device) are missing.

    The message must name the missing files and where to put them.
    """

    status_code = 503
    error = "Service Unavailable"


def invalid(field: str, rule: str, value: object) -> InvalidRequest:
    """Build an ``InvalidRequest`` whose message names the field, the rule and the value.

    >>> str(invalid("variantCount", "must be between 1 and 3", 7))
    'variantCount: must be between 1 and 3 (got 7)'
    """
    shown = repr(value) if not isinstance(value, (int, float)) else value
    if isinstance(value, str) and len(value) > 60:
        shown = repr(value[:57] + "...")
    return InvalidRequest(f"{field}: {rule} (got {shown})", field=field)
