"""Outgoing HTTP calls the stand-in makes as Twilio: status callbacks and inbound webhooks."""

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

import requests

from devtools.twilio_sandbox.signing import twilio_signature

log = logging.getLogger("twilio_sandbox")

CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 15
HEADERS = {"User-Agent": "TwilioProxy/1.1", "Accept": "*/*"}


@dataclass(frozen=True)
class WebhookResult:
    """What a webhook answered: HTTP status (None when unreachable), content type and text."""

    status: int | None
    content_type: str
    text: str


def call_signed(
    url: str, method: str, params: list[tuple[str, str]], auth_token: str
) -> WebhookResult:
    """Call `url` like Twilio (form POST or GET with query), signed with X-Twilio-Signature.

    Network failures are logged and reported as status None; they never raise.
    """
    try:
        if method.upper() == "GET":
            separator = "&" if "?" in url else "?"
            full_url = f"{url}{separator}{urlencode(params)}" if params else url
            headers = HEADERS | {"X-Twilio-Signature": twilio_signature(auth_token, full_url)}
            response = requests.get(
                full_url, headers=headers, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S)
            )
        else:
            headers = HEADERS | {
                "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                "X-Twilio-Signature": twilio_signature(auth_token, url, params),
            }
            response = requests.post(
                url,
                data=urlencode(params),
                headers=headers,
                timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
            )
    except requests.RequestException as exc:
        log.warning("webhook %s %s failed: %s", method, url, exc)
        return WebhookResult(None, "", "")
    if not 200 <= response.status_code < 300:
        log.warning("webhook %s %s answered %s", method, url, response.status_code)
    return WebhookResult(
        response.status_code, response.headers.get("Content-Type", ""), response.text
    )
