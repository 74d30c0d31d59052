"""One error type for every route, and the mapping of Twilio and network failures onto it."""

from __future__ import annotations

import json
from http import HTTPStatus

from canvas_sdk.effects.simple_api import JSONResponse
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import RequestException, Timeout

from twilio_sms_mms.constants.error_codes import CONFLICT_CODES, ERROR_EXPLANATIONS


class ApiError(Exception):
    """A failure the route reports to its caller as `{"error": {...}}` with an HTTP status."""

    def __init__(
        self,
        status: int,
        message: str,
        twilio_code: int | None = None,
        field: str | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.twilio_code = twilio_code
        self.field = field
        self.reason = reason

    def to_response(self) -> JSONResponse:
        """Return the JSON response for this error."""
        error: dict[str, object] = {"message": self.message, "twilioCode": self.twilio_code}
        if self.field:
            error["field"] = self.field
        if self.reason:
            error["reason"] = self.reason
        return JSONResponse({"error": error}, status_code=self.status)


def bad_request(message: str, field: str | None = None) -> ApiError:
    """Return a 400 error about the request's content."""
    return ApiError(HTTPStatus.BAD_REQUEST, message, field=field)


def admin_only(action: str) -> ApiError:
    """Return the 403 for a change only staff listed in AdminStaffIds may make."""
    return ApiError(
        HTTPStatus.FORBIDDEN,
        f"Only administrators can {action}: ask one to add your staff id to AdminStaffIds.",
        reason="admin_only",
    )


def from_twilio_failure(status_code: int, raw_body: str) -> ApiError:
    """Map a Twilio `RequestFailed` (status and raw body) to an ApiError.

    Twilio's 4xx statuses are kept, except the state conflicts of CONFLICT_CODES (e.g. 20009,
    delete before the message is final), which become 409. Twilio's own failures (5xx) and
    anything else unexpected (a 3xx, a 2xx the SDK refused) become 502: the plugin is a gateway
    and never answers 500 for Twilio. The SDK's client-side checks (status 0) become 400.
    """
    code, twilio_message = _parse_twilio_error(raw_body)
    if status_code == 0:
        return ApiError(HTTPStatus.BAD_REQUEST, raw_body or "Twilio request refused")
    status = status_code if 400 <= status_code <= 499 else HTTPStatus.BAD_GATEWAY
    if status_code == HTTPStatus.NOT_FOUND and code is None:
        code = 20404
    if code in CONFLICT_CODES:
        status = HTTPStatus.CONFLICT
    explanation = ERROR_EXPLANATIONS.get(code) if code is not None else None
    if explanation is None and status == HTTPStatus.BAD_GATEWAY:
        explanation = f"Twilio had a problem (HTTP {status_code}); try again shortly."
    message = explanation or twilio_message or f"Twilio answered HTTP {status_code}."
    return ApiError(status, message, twilio_code=code)


def from_network_failure(error: RequestException) -> ApiError:
    """Map a `requests` failure to 504 (timeout) or 502 (anything else)."""
    if isinstance(error, Timeout):
        return ApiError(HTTPStatus.GATEWAY_TIMEOUT, "Twilio did not answer in time; try again.")
    if isinstance(error, RequestsConnectionError):
        return ApiError(HTTPStatus.BAD_GATEWAY, "Could not reach Twilio; try again shortly.")
    return ApiError(HTTPStatus.BAD_GATEWAY, "The request to Twilio failed; try again shortly.")


def _parse_twilio_error(raw_body: str) -> tuple[int | None, str | None]:
    """Return (code, message) from Twilio's JSON error body, tolerating anything else."""
    try:
        data = json.loads(raw_body)
    except (ValueError, TypeError):
        return None, None
    if not isinstance(data, dict):
        return None, None
    code = data.get("code")
    message = data.get("message")
    return (code if isinstance(code, int) else None), (
        message if isinstance(message, str) else None
    )
