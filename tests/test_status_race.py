"""Atomic status updates: a send's record and its callbacks meet in one row keyed by sid, in any
order and any number of times; the most advanced status and the first error code win."""

from __future__ import annotations

import json
from uuid import uuid4

import pytest
from canvas_sdk.effects import EffectType
from canvas_sdk.test_utils.factories import PatientFactory
from canvas_sdk.v1.data import Patient

from tests import twilio_json as tj
from tests.plugin_harness import STAFF, FakeTwilioHttp, Recorded, RouteResult, call_route
from tests.test_patient_texting import add_phone
from tests.test_webhooks import post_signed, status_params
from twilio_sms_mms.models.records import MessageLink, TextMessage

MAIN = {"numberFrom": "+15550100001", "numberFromSid": tj.sid("PN", 1)}
NUMBER = "+15550123456"
SID = tj.sid("SM", 0x51D)


@pytest.fixture
def maria() -> Patient:
    patient = PatientFactory(first_name="Maria")
    add_phone(patient, NUMBER)
    return patient


def callback(status: str, code: str = "", sid: str = SID) -> RouteResult:
    extra = {"MessageSid": sid, "SmsSid": sid}
    if code:
        extra["ErrorCode"] = code
    return post_signed("/outbound_api_status", status_params(status, **extra))


def sending_with_callbacks(twilio: FakeTwilioHttp, *statuses: tuple[str, str]) -> None:
    """Twilio's callbacks reach the plugin while its POST is still being answered."""

    def created(call: Recorded) -> tuple[int, dict]:
        for status, code in statuses:
            assert callback(status, code).status == 200
        return 201, tj.message(0x51D, body=call.form["Body"][0], status="queued", date_sent=None)

    twilio.on("GET", rf"/IncomingPhoneNumbers/{tj.sid('PN', 1)}\.json", (200, tj.phone(1)))
    twilio.on("POST", r"/Messages\.json", created)


def send(patient: Patient) -> RouteResult:
    payload = MAIN | {
        "numberTo": NUMBER,
        "text": "hi",
        "patientId": str(patient.id),
        "clientRequestId": uuid4().hex,
    }
    return call_route("POST", "/sms_send", body=payload, headers=STAFF)


def thread_message(patient: Patient) -> dict:
    messages = call_route("GET", f"/patients/{patient.id}/thread", headers=STAFF).json()["messages"]
    assert len(messages) == 1
    return dict(messages[0])


def test_callbacks_that_beat_the_record_are_not_lost(
    twilio: FakeTwilioHttp, maria: Patient
) -> None:
    sending_with_callbacks(twilio, ("sent", ""), ("delivered", ""))

    result = send(maria)

    assert result.status == 201
    message = thread_message(maria)
    assert (message["sid"], message["status"], message["body"]) == (SID, "delivered", "hi")
    assert TextMessage.objects.count() == 1 and MessageLink.objects.count() == 1


def test_an_early_failure_keeps_its_error_code(twilio: FakeTwilioHttp, maria: Patient) -> None:
    sending_with_callbacks(twilio, ("undelivered", "30003"), ("sent", ""))

    send(maria)

    message = thread_message(maria)
    assert (message["status"], message["errorCode"]) == ("undelivered", 30003)


def test_callbacks_in_any_order_and_replayed_end_on_the_most_advanced(
    twilio: FakeTwilioHttp, maria: Patient
) -> None:
    sending_with_callbacks(twilio)
    send(maria)

    changed = [
        bool(callback(status).effects[1:])
        for status in ("delivered", "sent", "queued", "delivered", "sent")
    ]

    assert changed == [True, False, False, False, False]
    assert thread_message(maria)["status"] == "delivered"


def test_a_callback_for_a_message_never_recorded_shows_nowhere(
    twilio: FakeTwilioHttp, maria: Patient
) -> None:
    result = callback("delivered", sid=tj.sid("SM", 0xF00))

    assert result.status == 200
    assert not [e for e in result.effects if e.type == EffectType.SIMPLE_API_WEBSOCKET_BROADCAST]
    assert call_route("GET", f"/patients/{maria.id}/thread", headers=STAFF).json()["messages"] == []
    assert call_route("GET", "/unmatched", headers=STAFF).json()["messages"] == []


def test_delete_drops_body_and_media_and_tells_the_linked_threads(
    twilio: FakeTwilioHttp, maria: Patient
) -> None:
    sending_with_callbacks(twilio, ("delivered", ""))
    send(maria)
    twilio.on("DELETE", rf"/Messages/{SID}\.json", (204, None))

    result = call_route("DELETE", f"/message_delete/{SID}", headers=STAFF)

    assert result.status == 200 and result.json() == {"sid": SID, "deleted": True}
    events = [
        json.loads(e.payload)["data"]
        for e in result.effects
        if e.type == EffectType.SIMPLE_API_WEBSOCKET_BROADCAST
    ]
    assert events == [
        {"channel": f"patient_{maria.id}", "message": {"type": "deleted", "sid": SID}}
    ]
    message = thread_message(maria)
    assert (message["deleted"], message["body"], message["mediaCount"]) == (True, "", 0)
    assert TextMessage.objects.get().body == ""


def test_a_refused_delete_keeps_the_message(twilio: FakeTwilioHttp, maria: Patient) -> None:
    sending_with_callbacks(twilio)
    send(maria)
    twilio.on(
        "DELETE",
        rf"/Messages/{SID}\.json",
        (409, tj.error(20009, 409, "Cannot delete this resource before it is complete")),
    )

    result = call_route("DELETE", f"/message_delete/{SID}", headers=STAFF)

    assert result.status == 409
    message = thread_message(maria)
    assert (message["deleted"], message["body"]) == (False, "hi")


def test_a_callback_without_a_sid_stores_nothing(twilio: FakeTwilioHttp) -> None:
    params = status_params("delivered", MessageSid="", SmsSid="")

    assert post_signed("/outbound_api_status", params).status == 200
    assert TextMessage.objects.count() == 0
