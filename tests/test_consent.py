"""Consent on every path: chart flags and STOP records refuse a send whatever chart it comes
from, before any Twilio request; opt-out events apply in the order they happened."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from canvas_sdk.test_utils.factories import PatientFactory
from canvas_sdk.v1.data import Patient

from tests import twilio_json as tj
from tests.plugin_harness import STAFF, FakeTwilioHttp, Recorded, RouteResult, call_route
from tests.test_patient_texting import add_phone
from tests.test_webhooks import inbound_params, post_signed, status_params

MAIN = {"numberFrom": "+15550100001", "numberFromSid": tj.sid("PN", 1)}
JOHNS = "+15550199999"
MARIAS = "+15550123456"


@pytest.fixture
def account(twilio: FakeTwilioHttp) -> FakeTwilioHttp:
    counter = iter(range(100, 1000))

    def created(call: Recorded) -> tuple[int, dict]:
        return 201, tj.message(
            next(counter),
            body=call.form["Body"][0],
            status="queued",
            date_sent=None,
            number_to=call.form["To"][0],
        )

    twilio.on("GET", rf"/IncomingPhoneNumbers/{tj.sid('PN', 1)}\.json", (200, tj.phone(1)))
    twilio.on("POST", r"/Messages\.json", created)
    return twilio


@pytest.fixture
def john() -> Patient:
    patient = PatientFactory(first_name="John", last_name="Carter")
    add_phone(patient, JOHNS, opted_out=True)
    return patient


@pytest.fixture
def maria() -> Patient:
    patient = PatientFactory(first_name="Maria", last_name="Lopez")
    add_phone(patient, MARIAS)
    return patient


def send(number_to: str, patient: Patient | None = None, **fields: Any) -> RouteResult:
    payload = MAIN | {"numberTo": number_to, "text": "Hello", "clientRequestId": uuid4().hex}
    if patient is not None:
        payload["patientId"] = str(patient.id)
    return call_route("POST", "/sms_send", body=payload | fields, headers=STAFF)


def posts(twilio: FakeTwilioHttp) -> list[Recorded]:
    return [call for call in twilio.calls if call.method == "POST"]


@pytest.mark.parametrize("confirmed", [False, True])
def test_a_number_opted_out_on_johns_chart_is_refused_from_marias_chart(
    account: FakeTwilioHttp, john: Patient, maria: Patient, confirmed: bool
) -> None:
    result = send(JOHNS, maria, confirmNoConsent=confirmed)

    assert result.status == 409
    error = result.json()["error"]
    assert (error["reason"], error["field"]) == ("opted_out", "numberTo")
    assert "a patient's chart" in error["message"]
    assert "John" not in error["message"] and "Carter" not in error["message"]
    assert account.calls == []


def test_a_number_opted_out_on_a_chart_is_refused_without_a_patient(
    account: FakeTwilioHttp, john: Patient
) -> None:
    result = send(JOHNS, None, confirmNoConsent=True)

    assert result.status == 409 and result.json()["error"]["reason"] == "opted_out"
    assert account.calls == []


def test_the_refusal_names_the_chart_in_context(account: FakeTwilioHttp, john: Patient) -> None:
    result = send(JOHNS, john)

    assert "this patient's chart" in result.json()["error"]["message"]


def test_one_opted_out_chart_among_several_refuses(account: FakeTwilioHttp, maria: Patient) -> None:
    sibling = PatientFactory(first_name="Leo")
    add_phone(sibling, MARIAS, opted_out=True)

    result = send(MARIAS, maria)

    assert result.status == 409 and result.json()["error"]["reason"] == "opted_out"
    assert "a patient's chart" in result.json()["error"]["message"]
    assert account.calls == []


def test_a_stop_record_refuses_whatever_the_chart(account: FakeTwilioHttp, maria: Patient) -> None:
    post_signed("/inbound_treatment", inbound_params("STOP", From=MARIAS))
    other = PatientFactory()

    for patient in (maria, other, None):
        result = send(MARIAS, patient, confirmNoConsent=True)
        assert result.status == 409 and result.json()["error"]["reason"] == "opted_out"
    assert account.calls == []


def test_a_number_on_no_chart_needs_confirmation_every_time(account: FakeTwilioHttp) -> None:
    refused = send("+15550177777")
    confirmed = send("+15550177777", confirmNoConsent=True)
    again = send("+15550177777")

    assert refused.status == 409 and refused.json()["error"]["reason"] == "consent_required"
    assert "no patient's chart" in refused.json()["error"]["message"]
    assert confirmed.status == 201
    assert again.status == 409
    assert len(posts(account)) == 1


def test_consent_on_any_chart_holding_the_number_is_enough(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    other = PatientFactory()
    add_phone(other, "+15550166666", consent=False)
    add_phone(PatientFactory(), "+15550166666", consent=True)

    assert send("+15550166666", other).status == 201
    assert send("+15550166666", None).status == 201


def test_no_consent_on_any_chart_needs_confirmation_from_another_chart(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    add_phone(PatientFactory(), "+15550166666", consent=False)

    result = send("+15550166666", maria)

    assert result.status == 409 and result.json()["error"]["reason"] == "consent_required"
    assert account.calls == []


# Opt-out events in the order they happened ---------------------------------------------------


def opt_out_callback(sid: str, number_to: str = MARIAS) -> RouteResult:
    params = status_params("failed", MessageSid=sid, ErrorCode="21610", To=number_to)
    return post_signed("/outbound_api_status", params)


def test_a_replayed_21610_after_start_does_not_opt_out_again(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    sid = send(MARIAS, maria).json()["message"]["sid"]
    opt_out_callback(sid)
    assert send(MARIAS, maria).json()["error"]["reason"] == "opted_out"
    post_signed("/inbound_treatment", inbound_params("START", From=MARIAS))

    opt_out_callback(sid)  # Twilio retries the callback of the send before START

    assert send(MARIAS, maria).status == 201


def test_a_late_21610_for_a_send_before_start_is_ignored(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    sid = send(MARIAS, maria).json()["message"]["sid"]
    post_signed(
        "/inbound_treatment", inbound_params("STOP", From=MARIAS, MessageSid=tj.sid("SM", 1))
    )
    post_signed(
        "/inbound_treatment", inbound_params("START", From=MARIAS, MessageSid=tj.sid("SM", 2))
    )

    opt_out_callback(sid)  # arrives after START, refers to a send made before STOP

    assert send(MARIAS, maria).status == 201


def test_a_21610_for_a_send_after_start_opts_out(account: FakeTwilioHttp, maria: Patient) -> None:
    post_signed("/inbound_treatment", inbound_params("START", From=MARIAS))
    sid = send(MARIAS, maria).json()["message"]["sid"]

    opt_out_callback(sid)

    assert send(MARIAS, maria).json()["error"]["reason"] == "opted_out"


def test_a_replayed_stop_after_start_changes_nothing(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    stop = inbound_params("STOP", From=MARIAS, MessageSid=tj.sid("SM", 1))
    post_signed("/inbound_treatment", stop)
    post_signed(
        "/inbound_treatment", inbound_params("START", From=MARIAS, MessageSid=tj.sid("SM", 2))
    )

    post_signed("/inbound_treatment", stop)  # Twilio retries the STOP webhook

    assert send(MARIAS, maria).status == 201
