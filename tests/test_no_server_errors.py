"""No route answers 500, whatever the path parameters, query or body (a seeded random sweep)."""

import random

from tests.plugin_harness import STAFF, FakeTwilioHttp, call_route

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
]
BODIES = [
    b"",
    b"{}",
    b"null",
    b'{"url": "https://a.example/in", "method": "POST"}',
    b'{"numberFrom": "+15550100001", "numberFromSid": "PN'
    + b"a" * 32
    + b'", "numberTo": "+15550123456", "text": "hi", "patientId": "%s"}',
    b"Body=hi&From=%2B15550123456&To=%2B15550100001&MessageSid=SM1&NumMedia=99",
]
QUERIES = ["", "page=abc", "pageSize=7", "page=%FF", "a=%", "pageSize=-1", "markRead=0"]
CONTENT_TYPES = ["application/json", "application/x-www-form-urlencoded", "text/plain; x"]
SERVER_ERRORS_ALLOWED = {502, 503, 504}  # Twilio unreachable or unconfigured: not our failure


def test_random_requests_never_get_a_500(twilio: FakeTwilioHttp) -> None:
    rnd = random.Random(20261122)
    failures = []
    for _ in range(600):
        method, pattern = rnd.choice(ROUTES)
        path = pattern.format(a=rnd.choice(VALUES), b=rnd.choice(VALUES))
        body = rnd.choice(BODIES).replace(b"%s", rnd.choice(VALUES).encode())
        headers = STAFF | {"Content-Type": rnd.choice(CONTENT_TYPES)}
        result = call_route(method, path, body=body, query=rnd.choice(QUERIES), headers=headers)
        if result.status >= 500 and result.status not in SERVER_ERRORS_ALLOWED:
            failures.append((method, path, body[:40], result.status))

    assert failures == []
