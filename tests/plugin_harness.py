"""Drive the plugin's handlers exactly as Canvas does, and stand in for Twilio at the HTTP boundary.

`call_route` sends the SIMPLE_API_AUTHENTICATE pass (empty body) and, when it answers 200, the
SIMPLE_API_REQUEST pass. `FakeTwilioHttp` replaces `requests.Session.request`, so the SDK's own
request building (`Http`, `SmsClient`) and parsing run for real.
"""

from __future__ import annotations

import json
import re
from base64 import b64decode, b64encode
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from canvas_generated.messages.events_pb2 import Event as EventRequest
from canvas_sdk.effects import EffectType
from canvas_sdk.events import Event, EventType

from twilio_sms_mms.handlers.sms_manip import SmsManip

ACCOUNT_SID = "AC" + "1" * 32
API_KEY = "SK" + "2" * 32
API_SECRET = "api-secret-value"
AUTH_TOKEN = "auth-token-value"
PUBLIC_BASE = "https://clinic.example.org"
TWILIO_BASE = "https://api.twilio.test"
ACCOUNT_URL = f"{TWILIO_BASE}/2010-04-01/Accounts/{ACCOUNT_SID}/"

SECRETS = {
    "TwilioAccountSID": ACCOUNT_SID,
    "TwilioAPIKey": API_KEY,
    "TwilioAPISecret": API_SECRET,
    "TwilioAuthToken": AUTH_TOKEN,
    "PublicBaseUrl": PUBLIC_BASE,
    "TwilioApiBaseUrl": TWILIO_BASE,
    "AutoReplyText": "",
    # The default test staff member is an administrator; NON_ADMIN_STAFF is not.
    "AdminStaffIds": "staff-key-1, staff-key-9",
}
STAFF = {"canvas-logged-in-user-type": "Staff", "canvas-logged-in-user-id": "staff-key-1"}
NON_ADMIN_STAFF = {"canvas-logged-in-user-type": "Staff", "canvas-logged-in-user-id": "staff-key-2"}
PATIENT_SESSION = {"canvas-logged-in-user-type": "Patient", "canvas-logged-in-user-id": "pt-1"}


@dataclass
class RouteResult:
    """What Canvas would send back to the caller."""

    status: int
    headers: dict[str, str]
    body: bytes
    effects: list[Any] = field(default_factory=list)

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


def call_route(
    method: str,
    path: str,
    *,
    body: bytes | str | dict | None = None,
    query: str = "",
    headers: dict[str, str] | None = None,
    secrets: dict[str, str] | None = None,
    environment: dict[str, str] | None = None,
) -> RouteResult:
    """Run both SimpleAPI passes for one request and return the response."""
    raw = json.dumps(body).encode() if isinstance(body, dict) else body or b""
    raw = raw.encode() if isinstance(raw, str) else raw
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    context = {
        "plugin_name": "twilio_sms_mms",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": all_headers,
    }
    config = (SECRETS if secrets is None else secrets, environment or {})
    auth = SmsManip(_event(EventType.SIMPLE_API_AUTHENTICATE, {**context, "body": ""}), *config)
    if not auth.accept_event():
        return RouteResult(404, {}, b'{"error": "no route"}')
    auth_result = _response_of(auth.compute())
    if auth_result.status != 200:
        return auth_result
    encoded = b64encode(raw).decode()
    handler = SmsManip(_event(EventType.SIMPLE_API_REQUEST, {**context, "body": encoded}), *config)
    return _response_of(handler.compute())


def _event(event_type: int, context: dict) -> Event:
    return Event(EventRequest(type=event_type, context=json.dumps(context)))


def _response_of(effects: list[Any]) -> RouteResult:
    responses = [effect for effect in effects if effect.type == EffectType.SIMPLE_API_RESPONSE]
    payload = json.loads(responses[0].payload)
    return RouteResult(
        status=payload["status_code"],
        headers=payload.get("headers") or {},
        body=b64decode(payload.get("body") or ""),
        effects=effects,
    )


@dataclass(frozen=True)
class RawBody:
    """A non-JSON body (media bytes) with its content type."""

    content: bytes
    content_type: str


@dataclass
class Recorded:
    """One request the plugin made to Twilio."""

    method: str
    url: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]]
    headers: dict[str, str]


Reply = tuple[int, Any] | Callable[["Recorded"], tuple[int, Any]] | Exception


class FakeTwilioHttp:
    """Answers `requests.Session.request` like Twilio's REST API, from routes a test registers."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Reply]] = []
        self.calls: list[Recorded] = []

    def on(self, method: str, path_pattern: str, reply: Reply) -> FakeTwilioHttp:
        """Answer `method` on paths (relative to the account URL) fully matching the pattern."""
        self.routes.insert(0, (method, re.compile(path_pattern), reply))
        return self

    def handle(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """The replacement for `requests.Session.request`."""
        parsed = urlparse(url)
        data = kwargs.get("data")
        form = parse_qs(urlencode(data, doseq=True)) if isinstance(data, (dict, list)) else {}
        call = Recorded(
            method=method.upper(),
            url=url,
            path=parsed.path.removeprefix(urlparse(ACCOUNT_URL).path.rstrip("/")),
            query=parse_qs(parsed.query),
            form=form,
            headers=dict(kwargs.get("headers") or {}),
        )
        self.calls.append(call)
        for route_method, pattern, reply in self.routes:
            if route_method == call.method and pattern.fullmatch(call.path):
                return self._answer(call, reply)
        return _response(404, {"code": 20404, "message": "not found", "status": 404}, url)

    def _answer(self, call: Recorded, reply: Reply) -> requests.Response:
        if isinstance(reply, Exception):
            raise reply
        status, content = reply(call) if callable(reply) else reply
        return _response(status, content, call.url)


def _response(status: int, content: Any, url: str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.url = url
    if isinstance(content, RawBody):
        response._content = content.content
        response.headers["Content-Type"] = content.content_type
    elif content is None:
        response._content = b""
    else:
        response._content = json.dumps(content).encode()
        response.headers["Content-Type"] = "application/json"
    return response
