"""Typed errors of the Flightdeck agent API: one class per HTTP status an agent should tell apart."""

from __future__ import annotations

import httpx
from pydantic import ValidationError

from .models import ErrorBody


class FlightdeckError(Exception):
    """Flightdeck refused a call: the HTTP status and the server's `{"error", "field"}` body."""

    def __init__(
        self,
        status: int,
        error: str,
        field: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status}: {error}" + (f" ({field})" if field else ""))
        self.status = status
        """The HTTP status."""
        self.error = error
        """The server's sentence: what was wrong."""
        self.field = field
        """The input field it is about, when it is about one (`tasks[2].status`)."""
        self.retry_after = retry_after
        """Seconds to wait before trying again (429 and 503 with `Retry-After`)."""


class BadRequestError(FlightdeckError):
    """400: a field is wrong; `field` names it."""


class AuthenticationError(FlightdeckError):
    """401: no token, or an unknown or revoked one."""


class PermissionDeniedError(FlightdeckError):
    """403: another agent's approval."""


class NotFoundError(FlightdeckError):
    """404: no such approval (or another workspace's)."""


class ConflictError(FlightdeckError):
    """409: decided otherwise already, or a run that is not allowed or finished."""


class PayloadTooLargeError(FlightdeckError):
    """413: over a body or storage limit, named in `error`."""


class RateLimitError(FlightdeckError):
    """429: over the token's rate or open-stream limit; see `retry_after`."""


_BY_STATUS: dict[int, type[FlightdeckError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    429: RateLimitError,
}


def error_from(response: httpx.Response) -> FlightdeckError:
    """The typed error of a refused call, from its status, body and `Retry-After`."""
    try:
        body = ErrorBody.model_validate_json(response.content)
        error, field = body.error, body.field
    except ValidationError:
        error, field = response.text or response.reason_phrase, None
    retry_after: float | None
    try:
        retry_after = float(response.headers["retry-after"])
    except (KeyError, ValueError):
        retry_after = None
    kind = _BY_STATUS.get(response.status_code, FlightdeckError)
    return kind(response.status_code, error, field, retry_after)
