"""Twilio's error body and the errors the stand-in answers with."""

from dataclasses import dataclass


@dataclass
class TwilioError(Exception):
    """An API failure, rendered as Twilio's JSON error body with `status` as HTTP status."""

    status: int
    code: int
    message: str

    def body(self) -> dict:
        """Return Twilio's error JSON: code, message, more_info, status."""
        return {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }


def authenticate() -> TwilioError:
    """Return the 401 Twilio answers for missing or wrong credentials."""
    return TwilioError(401, 20003, "Authenticate")


def not_found(path: str) -> TwilioError:
    """Return the 404 for an unknown resource."""
    return TwilioError(404, 20404, f"The requested resource {path} was not found")


def method_not_allowed(method: str) -> TwilioError:
    """Return the 405 for a verb the resource does not support."""
    return TwilioError(405, 20004, f"Method not allowed: {method}")


def cannot_delete_yet() -> TwilioError:
    """Return Twilio's 20009: a message still in flight (not final) cannot be deleted."""
    return TwilioError(409, 20009, "Cannot delete this resource before it is complete")


def invalid_parameter(message: str) -> TwilioError:
    """Return a generic 400 for a malformed parameter."""
    return TwilioError(400, 20001, message)


FAULT_CODES = {
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


def injected_fault(status: int) -> TwilioError:
    """Return the error body for a fault injected through /_sandbox/faults."""
    code, message = FAULT_CODES.get(status, (20000 + status, "Injected failure"))
    return TwilioError(status, code, message)
