"""Bad input never reaches Twilio and never answers 500 (issue 8, point 6)."""

from base64 import urlsafe_b64encode
from typing import Any

import pytest
import requests

from tests import twilio_json as tj
from tests.plugin_harness import STAFF, FakeTwilioHttp, call_route

PHONE_SID = tj.sid("PN", 1)
NUMBER = "+15550100001"
SEND = {
    "clientRequestId": "draft-0001-input",
    "numberFrom": NUMBER,
    "numberFromSid": PHONE_SID,
    "numberTo": "+15550123456",
    "text": "hello",
    "confirmNoConsent": True,
}
JSON_ROUTES = [("POST", "/sms_send", SEND), ("POST", f"/inbound_webhook/{PHONE_SID}", {})]


@pytest.fixture
def account(twilio: FakeTwilioHttp) -> FakeTwilioHttp:
    twilio.on("GET", rf"/IncomingPhoneNumbers/{PHONE_SID}\.json", (200, tj.phone(1)))
    twilio.on("POST", r"/Messages\.json", (201, tj.message(42, status="queued", date_sent=None)))
    return twilio


def send(payload: Any, content_type: str = "application/json") -> Any:
    return call_route(
        "POST", "/sms_send", body=payload, headers=STAFF | {"Content-Type": content_type}
    )


def test_patient_id_with_a_trailing_newline_is_400_before_twilio(account: FakeTwilioHttp) -> None:
    result = send(SEND | {"patientId": "a" * 32 + "\n"})

    assert result.status == 400
    assert result.json()["error"]["field"] == "patientId"
    assert account.calls == []


@pytest.mark.parametrize(
    ("path", "field_or_none"),
    [
        (f"/message/{tj.sid('SM', 1)}%0A", None),
        (f"/medias/{tj.sid('SM', 1)}/{tj.sid('ME', 1)}%0A", None),
        ("/patients/" + "a" * 32 + "%0A/thread", "patientId"),
    ],
)
def test_ids_in_paths_must_match_entirely(
    twilio: FakeTwilioHttp, path: str, field_or_none: str | None
) -> None:
    result = call_route("GET", path, headers=STAFF)

    assert result.status == 400
    assert result.json()["error"].get("field") == field_or_none
    assert twilio.calls == []


@pytest.mark.parametrize("bad", ["\x00", "a\x00b", "\x07", "\x1b[31m", "\x7f", "\ud800"])
def test_text_with_control_characters_is_400_naming_the_field(
    account: FakeTwilioHttp, bad: str
) -> None:
    result = send(SEND | {"text": f"hi {bad}"})

    assert result.status == 400
    assert result.json()["error"]["field"] == "text"
    assert account.calls == []


@pytest.mark.parametrize("fine", ["line one\nline two", "tab\there", "windows\r\nline"])
def test_tab_newline_and_carriage_return_are_fine(account: FakeTwilioHttp, fine: str) -> None:
    result = send(SEND | {"text": fine})

    assert result.status == 201
    assert account.calls[-1].form["Body"] == [fine]


@pytest.mark.parametrize(("method", "path", "body"), JSON_ROUTES)
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", ""]
)
def test_json_routes_require_the_json_content_type(
    account: FakeTwilioHttp, method: str, path: str, body: Any, content_type: str
) -> None:
    result = call_route(method, path, body=body, headers=STAFF | {"Content-Type": content_type})

    assert result.status == 415
    assert account.calls == []


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON"])
def test_json_content_type_with_parameters_or_capitals_is_fine(
    account: FakeTwilioHttp, content_type: str
) -> None:
    assert send(SEND, content_type).status == 201


@pytest.mark.parametrize(("method", "path", "_"), JSON_ROUTES)
@pytest.mark.parametrize(
    "body", [b"[" * 50_000, b"{" * 50_000, b'{"a":' * 33 + b"1" + b"}" * 33, b"[" * 33 + b"]" * 33]
)
def test_json_nested_too_deep_is_400(
    account: FakeTwilioHttp, method: str, path: str, _: Any, body: bytes
) -> None:
    result = call_route(method, path, body=body, headers=STAFF)

    assert result.status == 400
    assert "deeper than 32" in result.json()["error"]["message"]
    assert account.calls == []


def test_nesting_of_32_levels_and_brackets_inside_strings_are_fine(
    account: FakeTwilioHttp,
) -> None:
    nested: Any = "x"
    for _ in range(31):
        nested = [nested]

    result = send(SEND | {"text": "[[[{{{" * 20, "extra": nested})

    assert result.status == 201


def cursor(query: str) -> str:
    return urlsafe_b64encode(query.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "query",
    [
        f"From={NUMBER}&PageSize=1000&PageToken=PT1",
        f"From={NUMBER}&PageSize=0",
        f"From={NUMBER}&PageSize=50&PageSize=1000",
        f"From={NUMBER}&PageSize=50&Page=-1",
        f"From={NUMBER}&PageSize=50&PageToken=a%0Ab",
        f"From={NUMBER}&From=%2B15550100002&PageSize=50",
        "From=%2B15550100002&PageSize=50",
        f"From={NUMBER}&PageSize=50&DateSent=2026-01-01",
    ],
)
def test_message_list_cursor_is_validated_again(twilio: FakeTwilioHttp, query: str) -> None:
    result = call_route(
        "GET", f"/message_list/{NUMBER}/from", query=f"page={cursor(query)}", headers=STAFF
    )

    assert result.status == 400
    assert result.json()["error"]["field"] == "page"
    assert twilio.calls == []


def test_a_cursor_the_plugin_made_still_works(twilio: FakeTwilioHttp) -> None:
    twilio.on("GET", r"/Messages\.json", (200, tj.page("messages", [])))
    query = f"From=%2B15550100001&PageSize=50&Page=1&PageToken=PASM{'a' * 32}"

    result = call_route(
        "GET", f"/message_list/{NUMBER}/from", query=f"page={cursor(query)}", headers=STAFF
    )

    assert result.status == 200
    assert twilio.calls[0].query["PageSize"] == ["50"]


READ_ROUTES = [
    ("/phone_list", r"/IncomingPhoneNumbers\.json"),
    (f"/message_list/{NUMBER}/from", r"/Messages\.json"),
    (f"/message/{tj.sid('SM', 1)}", rf"/Messages/{tj.sid('SM', 1)}\.json"),
    (f"/medias/{tj.sid('SM', 1)}", rf"/Messages/{tj.sid('SM', 1)}/Media\.json"),
    (
        f"/medias/{tj.sid('SM', 1)}/{tj.sid('ME', 1)}",
        rf"/Messages/{tj.sid('SM', 1)}/Media/{tj.sid('ME', 1)}",
    ),
]
FAILURES: list[tuple[Any, int]] = [
    ((500, tj.error(20500, 500, "Internal Server Error")), 502),
    ((503, tj.error(20503, 503, "Service Unavailable")), 502),
    ((502, None), 502),
    ((504, "<html>gateway</html>"), 502),
    (requests.exceptions.ReadTimeout("slow"), 504),
    (requests.exceptions.ConnectionError("down"), 502),
]


@pytest.mark.parametrize(("route", "twilio_path"), READ_ROUTES)
@pytest.mark.parametrize(("failure", "status"), FAILURES)
def test_read_routes_answer_502_or_504_when_twilio_fails(
    twilio: FakeTwilioHttp, route: str, twilio_path: str, failure: Any, status: int
) -> None:
    twilio.on("GET", twilio_path, failure)

    result = call_route("GET", route, headers=STAFF)

    assert result.status == status
    assert result.json()["error"]["message"]
