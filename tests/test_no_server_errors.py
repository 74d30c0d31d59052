"""No route answers 500, whatever the path parameters, query or body (a seeded random sweep)."""

import random
from base64 import urlsafe_b64encode

import pytest
import requests

from tests import twilio_json as tj
from tests.plugin_harness import NON_ADMIN_STAFF, STAFF, FakeTwilioHttp, call_route

ROUTES = [
    ("GET", "/phone_list"),
    ("GET", "/message_list/{a}/{b}"),
    ("GET", "/message/{a}"),
    ("GET", "/medias/{a}"),
    ("GET", "/medias/{a}/{b}"),
    ("DELETE", "/message_delete/{a}"),
    ("POST", "/sms_send"),
    ("POST", "/inbound_webhook/{a}"),
    ("GET", "/patients/{a}/thread"),
    ("POST", "/patients/{a}/read"),
    ("GET", "/unmatched"),
    ("GET", "/audit"),
    ("POST", "/inbound_treatment"),
    ("GET", "/inbound_treatment"),
    ("POST", "/outbound_api_status"),
]
VALUES = [
    "x",
    "%00",
    "%2F",
    "..",
    "+15550100001",
    "%2B15550100001",
    "SM" + "a" * 32,
    "PN" + "a" * 32,
    "ME" + "a" * 32,
    "x" * 300,
    "\u00fc",
    "%ZZ",
    "to",
    "from",
    "<script>",
    "SM" + "a" * 32 + "%0A",
    "a" * 32 + "%0A",
    "%2B15550100001%0A",
    "555%2E012%2E3456",
    "%28555%29%20012-3456",
    "%ED%A0%80",
    "%C0%AF",
    "patient_%00",
]


def cursor(query: str) -> str:
    return urlsafe_b64encode(query.encode()).decode().rstrip("=")


SEND = (
    b'{"clientRequestId": "fuzz-0001-abc", "numberFrom": "+15550100001", "numberFromSid": "PN'
    + b"a" * 32
    + b'", "numberTo": "+15550123456", "confirmNoConsent": true, "text": "%s", "patientId": "%s"}'
)
BODIES = [
    b"",
    b"{}",
    b"null",
    b'{"url": "https://a.example/in", "method": "POST"}',
    b'{"numberFrom": "+15550100001", "numberFromSid": "PN'
    + b"a" * 32
    + b'", "numberTo": "+15550123456", "text": "hi", "patientId": "%s"}',
    b"Body=hi&From=%2B15550123456&To=%2B15550100001&MessageSid=SM1&NumMedia=99",
    # Issue 8: deep nesting, control characters, lone surrogates, odd numbers, huge numbers.
    b"[" * 50_000,
    b"{" * 50_000,
    b'{"a":' * 40 + b"1" + b"}" * 40,
    b'{"text": "' + b"[" * 1000 + b'"}',
    b'{"text": "\\u0000", "numberTo": "+15550123456"}',
    b'{"text": "\\ud800", "mediaUrl": "https://a.example/\\ud800"}',
    b'{"url": "https://a.example/\\u0000", "method": "POST"}',
    b'{"numberTo": 1e400, "text": ' + b"9" * 5000 + b"}",
    b'{"callbackUrl": "https://evil.example/cb", "text": "x"}',
    SEND,
    SEND.replace(b'"text": "%s"', b'"text": "hi\\u0007"'),
    SEND.replace(b'"fuzz-0001-abc"', b'"fuzz\\n"'),
    SEND.replace(b'"confirmNoConsent": true', b'"confirmNoConsent": "yes"'),
    b"\xff\xfe{}",
    b"Body=\x00&From=%00&To=%2B1%0A&MessageSid=SM%0A&MessageStatus=%FF&ErrorCode=99999999999",
]
QUERIES = [
    "",
    "page=abc",
    "pageSize=7",
    "page=%FF",
    "a=%",
    "pageSize=-1",
    "markRead=0",
    "pageSize=200%0A",
    "pageSize=99999999999999999999",
    f"page={cursor('From=%2B15550100001&PageSize=1000')}",
    f"page={cursor('From=%2B15550100001&PageSize=50&PageToken=%0A')}",
    f"page={cursor('From=%2B15550100001&PageSize=50&Page=1&PageToken=PT1')}",
    f"page={cursor('To=%2B15550100001&PageSize=50')}",
    "page=" + "A" * 5000,
]
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/x-www-form-urlencoded",
    "text/plain",
    "text/plain; x",
    "multipart/form-data; boundary=x",
    "",
]
SESSIONS = [STAFF, STAFF, NON_ADMIN_STAFF]
# What Twilio does to the plugin's calls: fine, its own failures, or the network's.
TWILIO_BEHAVIOURS: list[object] = [
    None,
    (500, tj.error(20500, 500, "Internal Server Error")),
    (503, None),
    (502, "<html>bad gateway</html>"),
    (200, "not json"),
    (200, {"unexpected": True}),
    (400, tj.error(21211, 400, "The 'To' number is not valid")),
    (409, tj.error(20009, 409, "Cannot delete this resource before it is complete")),
    requests.exceptions.ReadTimeout("slow"),
    requests.exceptions.ConnectTimeout("slow"),
    requests.exceptions.ConnectionError("down"),
]
TWILIO_PATHS = [
    r"/IncomingPhoneNumbers.*",
    r"/Messages\.json",
    r"/Messages/.+",
]
CASES = 2000
SERVER_ERRORS_ALLOWED = {502, 503, 504}  # Twilio unreachable or unconfigured: not our failure


def test_random_requests_never_get_a_500(
    twilio: FakeTwilioHttp, capsys: pytest.CaptureFixture[str]
) -> None:
    rnd = random.Random(20261122)
    failures = []
    statuses: dict[int, int] = {}
    for _ in range(CASES):
        method, pattern = rnd.choice(ROUTES)
        path = pattern.format(a=rnd.choice(VALUES), b=rnd.choice(VALUES))
        body = rnd.choice(BODIES).replace(b"%s", rnd.choice(VALUES).encode())
        headers = rnd.choice(SESSIONS) | {"Content-Type": rnd.choice(CONTENT_TYPES)}
        behaviour = rnd.choice(TWILIO_BEHAVIOURS)
        twilio.routes.clear()
        if behaviour is not None:
            for method_name in ("GET", "POST", "DELETE"):
                for twilio_path in TWILIO_PATHS:
                    twilio.on(method_name, twilio_path, behaviour)  # type: ignore[arg-type]
        result = call_route(method, path, body=body, query=rnd.choice(QUERIES), headers=headers)
        statuses[result.status] = statuses.get(result.status, 0) + 1
        if result.status >= 500 and result.status not in SERVER_ERRORS_ALLOWED:
            failures.append((method, path, body[:40], result.status))

    with capsys.disabled():
        print(f"\nfuzz: {CASES} cases, statuses {dict(sorted(statuses.items()))}")
    assert failures == []
    assert statuses.get(500, 0) == 0
    assert len(statuses) >= 7  # the sweep reaches many outcomes, not one refusal
