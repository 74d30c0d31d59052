"""Malformed requests get a clear 4xx, never a 500."""

import logging

import pytest

from tests.plugin_harness import STAFF, FakeTwilioHttp, call_route

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("path", ["/sms_send", "/inbound_treatment", "/outbound_api_status"])
def test_unreadable_content_type_is_400(twilio: FakeTwilioHttp, path: str) -> None:
    result = call_route(
        "POST", path, body=b"{}", headers=STAFF | {"Content-Type": "application/json; charset"}
    )

    assert result.status == 400
    assert "Content-Type" in result.json()["error"]["message"]
    assert twilio.calls == []


@pytest.mark.parametrize("path", ["/inbound_treatment", "/outbound_api_status"])
def test_webhook_body_that_is_not_utf8_is_refused(path: str) -> None:
    headers = {"Content-Type": FORM, "X-Twilio-Signature": "bm9wZQ=="}

    result = call_route("POST", path, body=b"Body=\xff\xfe&From=%2B1555", headers=headers)

    assert result.status == 403


@pytest.mark.parametrize(
    "body",
    [b"null", b'"text"', b"[]", b"1e999", b'{"numberFrom": {"$gt": ""}}', b"{" * 5000],
)
def test_odd_json_bodies_are_400(twilio: FakeTwilioHttp, body: bytes) -> None:
    result = call_route("POST", "/sms_send", body=body, headers=STAFF)

    assert result.status == 400
    assert twilio.calls == []


def test_error_log_lines_hide_phone_numbers(
    twilio: FakeTwilioHttp, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        result = call_route("GET", "/message_list/%2B15550123456/sideways", headers=STAFF)

    assert result.status == 400
    assert "-> 400" in caplog.text
    assert "5550123456" not in caplog.text
