"""Who may call which route: Staff sessions for the UI, signatures (checked later) for webhooks."""

import pytest

from tests import twilio_json as tj
from tests.plugin_harness import PATIENT_SESSION, STAFF, FakeTwilioHttp, call_route

UI_ROUTES = [
    ("GET", "/phone_list"),
    ("GET", "/message_list/+15550100001/from"),
    ("GET", f"/message/{tj.sid('SM', 1)}"),
    ("GET", f"/medias/{tj.sid('MM', 1)}"),
    ("GET", f"/medias/{tj.sid('MM', 1)}/{tj.sid('ME', 1)}"),
    ("DELETE", f"/message_delete/{tj.sid('SM', 1)}"),
    ("POST", "/sms_send"),
    ("POST", f"/inbound_webhook/{tj.sid('PN', 1)}"),
    ("GET", "/patients/" + "a" * 32 + "/thread"),
    ("POST", "/patients/" + "a" * 32 + "/read"),
    ("GET", "/unmatched"),
    ("GET", "/audit"),
]


@pytest.mark.parametrize(("method", "path"), UI_ROUTES)
def test_ui_routes_refuse_requests_without_a_session(
    twilio: FakeTwilioHttp, method: str, path: str
) -> None:
    result = call_route(method, path, headers={})

    assert result.status == 401
    assert twilio.calls == []


@pytest.mark.parametrize(("method", "path"), UI_ROUTES)
def test_ui_routes_refuse_patient_sessions(twilio: FakeTwilioHttp, method: str, path: str) -> None:
    result = call_route(method, path, headers=PATIENT_SESSION)

    assert result.status == 401
    assert twilio.calls == []


def test_staff_type_without_an_id_is_refused(twilio: FakeTwilioHttp) -> None:
    headers = {"canvas-logged-in-user-type": "Staff"}

    assert call_route("GET", "/phone_list", headers=headers).status == 401


def test_staff_session_reaches_the_route(twilio: FakeTwilioHttp) -> None:
    twilio.on("GET", r"/IncomingPhoneNumbers\.json", (200, tj.page("incoming_phone_numbers", [])))

    assert call_route("GET", "/phone_list", headers=STAFF).status == 200


@pytest.mark.parametrize("path", ["/inbound_treatment", "/outbound_api_status"])
def test_webhooks_pass_authentication_but_unsigned_calls_get_403(path: str) -> None:
    result = call_route(
        "POST",
        path,
        body="MessageSid=SM1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert result.status == 403


def test_unknown_route_is_not_handled() -> None:
    assert call_route("GET", "/nope", headers=STAFF).status == 404
