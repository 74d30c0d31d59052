"""Drive the real plugin runner the way Canvas and Twilio do, and read the stand-in's counters.

Shared by `make bench` (devtools/bench.py) and the request-budget test: Staff-session calls to the
UI routes, webhooks signed like Twilio signs them, and the stand-in's admin endpoints (request
counters, injected delay, bench history).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
from base64 import b64encode
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import requests

from devtools import demo_data
from devtools.runner_client import PLUGIN_NAME, ApiResult, RunnerClient
from devtools.stack import SECRETS_FILE

ROUTE_PREFIX = f"/plugin-io/api/{PLUGIN_NAME}"
INBOUND_PATH = "/inbound_treatment"
STATUS_PATH = "/outbound_api_status"
STAFF_HEADERS = {
    "canvas-logged-in-user-type": "Staff",
    "canvas-logged-in-user-id": demo_data.STAFF.key,
}
FORM_TYPE = "application/x-www-form-urlencoded"
ADMIN_TIMEOUT = 120.0


class BenchError(RuntimeError):
    """The stack did not answer the way the bench or the budget test expects."""


def twilio_signature(auth_token: str, url: str, params: Sequence[tuple[str, str]]) -> str:
    """X-Twilio-Signature: base64(HMAC-SHA1(token, url + each name+value, sorted by name))."""
    ordered = sorted(params, key=lambda pair: pair[0])
    signed = url + "".join(name + value for name, value in ordered)
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return b64encode(digest).decode()


def public_base_url(secrets_file: Path = SECRETS_FILE) -> str:
    """The PublicBaseUrl the runner loaded from SECRETS.json (the plugin rebuilds URLs from it)."""
    values = json.loads(secrets_file.read_text())
    base = str(values.get("PublicBaseUrl") or "").rstrip("/")
    if not base:
        raise BenchError(f"PublicBaseUrl is not set in {secrets_file}")
    return base


def new_client_request_id() -> str:
    """A fresh idempotency key for POST /sms_send (one per draft, as the UI makes them)."""
    return secrets.token_hex(16)


def new_message_sid() -> str:
    """A fresh, well-formed Twilio message sid (SM + 32 hex digits)."""
    return "SM" + secrets.token_hex(16)


@dataclass(frozen=True)
class SentMessage:
    """A message the plugin sent through the stand-in."""

    sid: str
    number_from: str
    number_to: str


class PluginDriver:
    """Calls the plugin through the real runner: Staff UI routes and signed Twilio webhooks."""

    def __init__(self, runner: RunnerClient, auth_token: str, public_base: str) -> None:
        self.runner = runner
        self.auth_token = auth_token
        self.public_base = public_base.rstrip("/")

    # UI routes (a logged-in clinician) ---------------------------------------------------

    def get(self, path: str, query: Mapping[str, str | int] | None = None) -> ApiResult:
        """GET a UI route with Staff session headers."""
        return self.runner.simple_api(
            "GET", path, urlencode(dict(query or {})), headers=STAFF_HEADERS
        )

    def post_json(self, path: str, payload: Mapping[str, object]) -> ApiResult:
        """POST JSON to a UI route with Staff session headers."""
        headers = STAFF_HEADERS | {"content-type": "application/json"}
        body = json.dumps(payload).encode()
        return self.runner.simple_api("POST", path, "", body, headers)

    def open_app(self, patient_key: str) -> str:
        """The app's on_open for a patient; returns the rendered HTML."""
        return self.runner.open_app(patient_key).content

    def phone_list(self) -> ApiResult:
        """GET /phone_list (loads the sender capabilities into the plugin's cache)."""
        return self.get("/phone_list")

    def message_page(
        self, number: str, direction: str = "from", page_size: int = 50, cursor: str = ""
    ) -> ApiResult:
        """GET /message_list/<number>/<direction> (a Log page)."""
        query: dict[str, str | int] = {"pageSize": page_size}
        if cursor:
            query["page"] = cursor
        return self.get(f"/message_list/{quote(number, safe='')}/{direction}", query)

    def send(
        self,
        number_from: str,
        number_from_sid: str,
        number_to: str,
        text: str,
        media_urls: Sequence[str] = (),
        patient_id: str = "",
        client_request_id: str = "",
        confirm_no_consent: bool = False,
    ) -> ApiResult:
        """POST /sms_send; the plugin's own status URL is used as the callback.

        Every call is a new draft (a fresh `clientRequestId`) unless one is given.
        `confirm_no_consent`: the clinician confirmed a number no chart records consent for.
        """
        payload: dict[str, object] = {
            "clientRequestId": client_request_id or new_client_request_id(),
            "numberFrom": number_from,
            "numberFromSid": number_from_sid,
            "numberTo": number_to,
            "callbackUrl": "",
            "text": text,
        }
        if media_urls:
            payload["mediaUrl"] = list(media_urls)
        if patient_id:
            payload["patientId"] = patient_id
        if confirm_no_consent:
            payload["confirmNoConsent"] = True
        return self.post_json("/sms_send", payload)

    # Twilio webhooks (no session, signed) ------------------------------------------------

    def webhook(self, path: str, params: Sequence[tuple[str, str]]) -> ApiResult:
        """POST a form to a webhook route, signed over the public URL the plugin rebuilds."""
        url = f"{self.public_base}{ROUTE_PREFIX}{path}"
        headers = {
            "content-type": FORM_TYPE,
            "X-Twilio-Signature": twilio_signature(self.auth_token, url, params),
        }
        return self.runner.simple_api("POST", path, "", urlencode(params).encode(), headers)

    def inbound(self, number_from: str, number_to: str, body: str, sid: str = "") -> ApiResult:
        """Twilio's inbound-message webhook (no media) for `sid`, or a fresh MessageSid."""
        sid = sid or new_message_sid()
        params = [
            ("AccountSid", demo_data.ACCOUNT_SID),
            ("ApiVersion", "2010-04-01"),
            ("Body", body),
            ("From", number_from),
            ("MessageSid", sid),
            ("NumMedia", "0"),
            ("NumSegments", "1"),
            ("SmsMessageSid", sid),
            ("SmsSid", sid),
            ("SmsStatus", "received"),
            ("To", number_to),
        ]
        return self.webhook(INBOUND_PATH, params)

    def status(
        self, message: SentMessage, status: str = "sent", error_code: int | None = None
    ) -> ApiResult:
        """Twilio's status callback for a message the plugin sent (ErrorCode when given)."""
        params = [
            ("AccountSid", demo_data.ACCOUNT_SID),
            ("ApiVersion", "2010-04-01"),
            ("From", message.number_from),
            ("MessageSid", message.sid),
            ("MessageStatus", status),
            ("SmsSid", message.sid),
            ("SmsStatus", status),
            ("To", message.number_to),
        ]
        if error_code is not None:
            params.append(("ErrorCode", str(error_code)))
        return self.webhook(STATUS_PATH, params)


class SandboxAdmin:
    """The Twilio stand-in's admin endpoints (no auth) and a few direct REST reads."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()

    def _call(self, method: str, path: str, payload: dict | None = None) -> dict:
        response = self.http.request(
            method, f"{self.base_url}/_sandbox/{path}", json=payload, timeout=ADMIN_TIMEOUT
        )
        if response.status_code != 200:
            raise BenchError(f"{method} /_sandbox/{path} -> {response.status_code}")
        data = response.json()
        if not isinstance(data, dict):
            raise BenchError(f"{method} /_sandbox/{path} answered {type(data).__name__}")
        return data

    def reset_stats(self) -> None:
        """Forget every REST request counted so far."""
        self._call("DELETE", "stats")

    def stats(self) -> dict[str, int]:
        """REST requests counted since the last reset, by `METHOD resource`."""
        return {str(k): int(v) for k, v in self._call("GET", "stats")["byRoute"].items()}

    def set_delay(self, delay_ms: int) -> None:
        """Delay every REST response by `delay_ms` (and fail none)."""
        self._call("POST", "faults", {"delayMs": delay_ms, "failStatus": 0, "failCount": 0})

    def clear_faults(self) -> None:
        """Back to the command-line delay, no failures."""
        self._call("DELETE", "faults")

    def seed(
        self,
        messages: int,
        practice_number: str,
        *,
        numbers: int = 30,
        media_per_message: int = 3,
        reset: bool = False,
    ) -> dict:
        """Add a bench history on a practice number (reset=True first deletes EVERY message)."""
        return self._call(
            "POST",
            "seed",
            {
                "messages": messages,
                "numbers": numbers,
                "mediaPerMessage": media_per_message,
                "practiceNumber": practice_number,
                "reset": reset,
            },
        )

    def messages(self, limit: int = 100, **filters: str) -> list[dict]:
        """The stand-in's messages, newest first (filters: to=, from_=)."""
        query = {"limit": str(limit)}
        query.update({key.rstrip("_"): value for key, value in filters.items()})
        response = self.http.get(
            f"{self.base_url}/_sandbox/messages", params=query, timeout=ADMIN_TIMEOUT
        )
        response.raise_for_status()
        return list(response.json()["messages"])

    def message_with_media(self, practice_number: str, least: int = 2) -> dict:
        """A recent message of the practice number carrying at least `least` media items."""
        for direction in ("to", "from_"):
            for message in self.messages(200, **{direction: practice_number}):
                if len(message["media"]) >= least:
                    return message
        raise BenchError(f"no message with {least}+ media on {practice_number}")

    def close(self) -> None:
        """Close the HTTP session."""
        self.http.close()


def phone_sids(result: ApiResult) -> dict[str, str]:
    """{E.164 number: PN sid} from a /phone_list answer."""
    if result.status != 200:
        raise BenchError(f"/phone_list answered {result.status}: {result.body[:200]!r}")
    return {str(p["phoneNumber"]): str(p["sid"]) for p in result.json()["phones"]}


def sent_message(result: ApiResult) -> SentMessage:
    """The message a 201 /sms_send created."""
    if result.status != 201:
        raise BenchError(f"/sms_send answered {result.status}: {result.body[:300]!r}")
    data = result.json()["message"]
    return SentMessage(str(data["sid"]), str(data["from"]), str(data["to"]))


_texter_numbers = itertools.count(1)


def fresh_texter_number() -> str:
    """A number on nobody's chart, different on every call (+1555031xxxx)."""
    return f"+1555031{next(_texter_numbers) % 10_000:04d}"
