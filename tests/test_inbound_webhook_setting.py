"""POST /inbound_webhook/<phone_sid>: point a practice number at a URL."""

from typing import Any

import pytest

from tests import twilio_json as tj
from tests.plugin_harness import STAFF, FakeTwilioHttp, Recorded, call_route

PHONE_SID = tj.sid("PN", 1)
PLUGIN_INBOUND = "https://clinic.example.org/plugin-io/api/twilio_sms_mms/inbound_treatment"


def updated(call: Recorded) -> tuple[int, dict]:
    return 200, tj.phone(1, sms_url=call.form["SmsUrl"][0]) | {
        "sms_method": call.form["SmsMethod"][0]
    }


def test_set_to_the_plugins_own_url(twilio: FakeTwilioHttp) -> None:
    twilio.on("POST", rf"/IncomingPhoneNumbers/{PHONE_SID}\.json", updated)

    result = call_route(
        "POST",
        f"/inbound_webhook/{PHONE_SID}",
        body={"url": PLUGIN_INBOUND, "method": "post"},
        headers=STAFF,
    )

    assert result.status == 200
    phone = result.json()["phone"]
    assert phone["inboundWebhook"] == {"url": PLUGIN_INBOUND, "method": "POST"}
    assert phone["usesPluginInbound"] is True
    assert twilio.calls[0].form == {"SmsUrl": [PLUGIN_INBOUND], "SmsMethod": ["POST"]}
    assert len(twilio.calls) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"method": "POST"}, "url"),
        ({"url": PLUGIN_INBOUND}, "method"),
        ({"url": PLUGIN_INBOUND, "method": "PUT"}, "method"),
        ({"url": "http://clinic.example.org/x", "method": "POST"}, "url"),
        ({"url": 5, "method": "POST"}, "url"),
    ],
)
def test_bad_settings_are_400(twilio: FakeTwilioHttp, body: dict[str, Any], field: str) -> None:
    result = call_route("POST", f"/inbound_webhook/{PHONE_SID}", body=body, headers=STAFF)

    assert result.status == 400
    assert result.json()["error"]["field"] == field
    assert twilio.calls == []


def test_malformed_json_is_400(twilio: FakeTwilioHttp) -> None:
    result = call_route("POST", f"/inbound_webhook/{PHONE_SID}", body=b"{url:", headers=STAFF)

    assert result.status == 400
    assert "JSON" in result.json()["error"]["message"]


def test_bad_phone_sid_is_400(twilio: FakeTwilioHttp) -> None:
    result = call_route(
        "POST",
        "/inbound_webhook/PNnope",
        body={"url": PLUGIN_INBOUND, "method": "POST"},
        headers=STAFF,
    )

    assert result.status == 400


def test_loopback_http_is_allowed_for_the_local_stack(twilio: FakeTwilioHttp) -> None:
    twilio.on("POST", rf"/IncomingPhoneNumbers/{PHONE_SID}\.json", updated)
    url = "http://127.0.0.1:8000/plugin-io/api/twilio_sms_mms/inbound_treatment"

    result = call_route(
        "POST", f"/inbound_webhook/{PHONE_SID}", body={"url": url, "method": "GET"}, headers=STAFF
    )

    assert result.status == 200
