"""History belongs to patients: a chart shows the messages linked to it when they were sent or
received, whatever numbers the chart holds today."""

from __future__ import annotations

from uuid import uuid4

import pytest
from canvas_sdk.test_utils.factories import PatientFactory
from canvas_sdk.v1.data import Patient, PatientContactPoint

from tests import twilio_json as tj
from tests.plugin_harness import STAFF, FakeTwilioHttp, Recorded, RouteResult, call_route
from tests.test_patient_texting import add_phone
from tests.test_webhooks import inbound_params, post_signed
from twilio_sms_mms.models.records import MessageLink, TextMessage
from twilio_sms_mms.services import storage

MAIN = {"numberFrom": "+15550100001", "numberFromSid": tj.sid("PN", 1)}
NUMBER = "+15550123456"


@pytest.fixture
def account(twilio: FakeTwilioHttp) -> FakeTwilioHttp:
    counter = iter(range(100, 1000))

    def created(call: Recorded) -> tuple[int, dict]:
        return 201, tj.message(
            next(counter), body=call.form["Body"][0], status="queued", date_sent=None
        )

    twilio.on("GET", rf"/IncomingPhoneNumbers/{tj.sid('PN', 1)}\.json", (200, tj.phone(1)))
    twilio.on("POST", r"/Messages\.json", created)
    return twilio


@pytest.fixture
def alice() -> Patient:
    patient = PatientFactory(first_name="Alice")
    add_phone(patient, NUMBER)
    return patient


@pytest.fixture
def carol() -> Patient:
    return PatientFactory(first_name="Carol")


def send_from(patient: Patient, text: str) -> RouteResult:
    payload = MAIN | {
        "numberTo": NUMBER,
        "text": text,
        "patientId": str(patient.id),
        "clientRequestId": uuid4().hex,
    }
    return call_route("POST", "/sms_send", body=payload, headers=STAFF)


def bodies(patient: Patient) -> list[str]:
    result = call_route("GET", f"/patients/{patient.id}/thread", headers=STAFF)
    assert result.status == 200, result.body
    return [message["body"] for message in result.json()["messages"]]


def move_number(source: Patient, target: Patient) -> None:
    PatientContactPoint.objects.filter(patient=source, value=NUMBER).update(patient=target)


def test_a_number_moving_to_another_chart_leaves_the_history_behind(
    account: FakeTwilioHttp, alice: Patient, carol: Patient
) -> None:
    assert send_from(alice, "Alice: your results are ready").status == 201
    post_signed("/inbound_treatment", inbound_params("Alice here, thanks"))

    move_number(alice, carol)
    post_signed("/inbound_treatment", inbound_params("Carol here", MessageSid=tj.sid("SM", 7)))

    assert bodies(carol) == ["Carol here"]
    assert bodies(alice) == ["Alice: your results are ready", "Alice here, thanks"]


def test_a_number_removed_from_the_chart_keeps_its_texts_there(
    account: FakeTwilioHttp, alice: Patient
) -> None:
    send_from(alice, "Reminder")
    post_signed("/inbound_treatment", inbound_params("OK"))

    PatientContactPoint.objects.filter(patient=alice).update(state="deleted")

    assert bodies(alice) == ["Reminder", "OK"]


def test_a_send_from_a_chart_is_linked_to_that_chart_and_the_numbers_owners(
    account: FakeTwilioHttp, alice: Patient, carol: Patient
) -> None:
    send_from(carol, "From Carol's chart to Alice's number")

    assert bodies(carol) == bodies(alice) == ["From Carol's chart to Alice's number"]


def test_shared_numbers_stay_marked_shared(account: FakeTwilioHttp, alice: Patient) -> None:
    child = PatientFactory(first_name="Leo")
    add_phone(child, NUMBER)
    post_signed("/inbound_treatment", inbound_params("Leo's mum here"))

    PatientContactPoint.objects.filter(patient=child).update(state="deleted")

    thread = call_route("GET", f"/patients/{alice.id}/thread", headers=STAFF).json()
    assert thread["messages"][0]["shared"] is True
    assert bodies(child) == ["Leo's mum here"]


def test_unread_badges_are_per_patient(account: FakeTwilioHttp, alice: Patient) -> None:
    child = PatientFactory(first_name="Leo")
    add_phone(child, NUMBER)
    post_signed("/inbound_treatment", inbound_params("hello"))

    bodies(alice)  # reading Alice's thread marks her link read, not Leo's

    assert storage.unread_count(str(alice.id)) == 0
    assert storage.unread_count(str(child.id)) == 1


def test_rows_stored_before_links_are_linked_once_on_first_open(
    account: FakeTwilioHttp, alice: Patient, carol: Patient
) -> None:
    moment = storage.now()
    for n, patient_ids in ((1, [str(alice.id)]), (2, [])):
        TextMessage.objects.create(
            sid=tj.sid("SM", n),
            direction="inbound",
            practice_number=MAIN["numberFrom"],
            patient_number=NUMBER,
            body=f"old {n}",
            status="received",
            patient_ids=patient_ids,
            matched=bool(patient_ids),
            read=True,
            recorded=None,
            created=moment,
            updated=moment,
        )

    assert bodies(alice) == ["old 1", "old 2"]  # the second went to the owner at migration time
    move_number(alice, carol)

    assert bodies(carol) == []
    assert bodies(alice) == ["old 1", "old 2"]
    assert MessageLink.objects.count() == 2
