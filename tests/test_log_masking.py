"""Logs never carry a phone number, whatever its spelling or URL encoding (issue 8, point 8)."""

import logging
import re
from urllib.parse import quote, unquote, urlencode

import pytest

from tests.plugin_harness import STAFF, FakeTwilioHttp, call_route
from twilio_sms_mms.services.log_safety import mask_numbers

SPELLINGS = [
    "5550123456",
    "+15550123456",
    "%2B15550123456",
    "%252B15550123456",
    "555%2E012%2E3456",
    "555%20012%203456",
    "%28555%29%20012-3456",
    "%28555%29+012+3456",
    "555 012 3456",
    "555.012.3456",
    "555-012-3456",
    "(555) 012-3456",
    "+1 (555) 012-3456",
    "1%2D555%2D012%2D3456",
    "555%2f012%2f3456",
]
SID = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}[0-9a-fA-F]{32}(?![A-Za-z0-9])")
SEPARATED_DIGITS = re.compile(r"[0-9](?:[\s().+/-]*[0-9]){6,}")


def leaked_numbers(text: str) -> list[str]:
    """Runs of 7+ digits (separators allowed) in the URL-decoded text; SIDs are not numbers."""
    for _ in range(3):
        text = unquote(text)
    return SEPARATED_DIGITS.findall(SID.sub("<sid>", text))


def requests_with(number: str) -> list[tuple[str, str, dict]]:
    """A request to every route, with the number wherever that route takes input."""
    raw = quote(unquote(number), safe="") if "%" not in number else number
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = {"numberFrom": number, "numberTo": number, "text": number, "patientId": number}
    webhook = urlencode({"From": number, "To": number, "Body": number, "MessageSid": number})
    return [
        ("GET", "/phone_list", {"query": f"pageSize={raw}"}),
        ("GET", f"/message_list/{raw}/sideways", {}),
        ("GET", f"/message_list/{raw}/from", {"query": f"page={raw}"}),
        ("GET", f"/message/{raw}", {}),
        ("GET", f"/medias/{raw}", {}),
        ("GET", f"/medias/{raw}/{raw}", {}),
        ("DELETE", f"/message_delete/{raw}", {}),
        ("POST", "/sms_send", {"body": body}),
        ("POST", "/sms_send", {"body": body, "headers": STAFF | {"Content-Type": "text/plain"}}),
        ("POST", f"/inbound_webhook/{raw}", {"body": {"url": number, "method": "POST"}}),
        ("GET", f"/patients/{raw}/thread", {}),
        ("POST", f"/patients/{raw}/read", {}),
        ("GET", "/unmatched", {"query": f"n={raw}"}),
        ("GET", "/audit", {"query": f"n={raw}"}),
        ("POST", "/inbound_treatment", {"body": webhook, "headers": form}),
        ("GET", "/inbound_treatment", {"query": webhook}),
        ("POST", "/outbound_api_status", {"body": webhook, "headers": form}),
    ]


@pytest.mark.parametrize("number", SPELLINGS)
def test_no_route_logs_a_phone_number(
    twilio: FakeTwilioHttp, caplog: pytest.LogCaptureFixture, number: str
) -> None:
    twilio.on("GET", r"/IncomingPhoneNumbers\.json", (500, None))
    with caplog.at_level(logging.DEBUG):
        for method, path, options in requests_with(number):
            options.setdefault("headers", STAFF)
            call_route(method, path, **options)

    lines = [record.getMessage() for record in caplog.records]
    assert any("->" in line for line in lines)
    assert [line for line in lines if leaked_numbers(line)] == []


@pytest.mark.parametrize("number", SPELLINGS)
def test_mask_numbers_hides_every_spelling(number: str) -> None:
    masked = mask_numbers(f"/message_list/{number}/from")

    assert leaked_numbers(masked) == []
    assert masked.endswith("/from")


def test_mask_numbers_keeps_sids_short_numbers_and_the_last_two_digits() -> None:
    sid = "SM" + "0123456789" * 3 + "ab"

    assert mask_numbers(f"/message/{sid}") == f"/message/{sid}"
    assert mask_numbers("/patients/123/thread?pageSize=200") == "/patients/123/thread?pageSize=200"
    assert mask_numbers("/message_list/%2B15550123456/from") == "/message_list/+…56/from"


def test_mask_numbers_neutralises_control_characters() -> None:
    assert "\n" not in mask_numbers("/x%0Afake log line%0D")
