"""Patient-centred texting: thread, consent, opt-out, inbound routing, live updates."""

from __future__ import annotations

import json
from typing import Any
from uuid import uuid4

import pytest
from canvas_sdk.effects import EffectType
from canvas_sdk.test_utils.factories import PatientFactory, StaffFactory
from canvas_sdk.v1.data import Patient, PatientContactPoint
from canvas_sdk.v1.data.application import Application

from tests import twilio_json as tj
from tests.plugin_harness import SECRETS, FakeTwilioHttp, Recorded, RouteResult, call_route
from tests.test_webhooks import inbound_params, post_signed, status_params
from twilio_sms_mms.models.records import AuditEntry, OptOut, TextMessage

MAIN = {"numberFrom": "+15550100001", "numberFromSid": tj.sid("PN", 1)}
MOBILE = "+15550123456"


def add_phone(
    patient: Patient,
    value: str,
    *,
    use: str = "mobile",
    rank: int = 1,
    consent: bool = True,
    opted_out: bool = False,
    state: str = "active",
) -> None:
    PatientContactPoint.objects.create(
        patient=patient,
        system="phone",
        value=value,
        use=use,
        use_notes="",
        rank=rank,
        state=state,
        has_consent=consent,
        opted_out=opted_out,
        verification_token="",
    )


@pytest.fixture
def staff_headers() -> dict[str, str]:
    staff = StaffFactory(first_name="Ana", last_name="Reyes")
    return {"canvas-logged-in-user-type": "Staff", "canvas-logged-in-user-id": str(staff.id)}


@pytest.fixture
def maria() -> Patient:
    patient = PatientFactory(first_name="Maria", last_name="Lopez")
    add_phone(patient, "(555) 012-3400", use="home", rank=1)
    add_phone(patient, "555-012-3456", use="mobile", rank=2)
    add_phone(patient, "+15550111111", use="mobile", rank=3, state="deleted")
    return patient


@pytest.fixture
def account(twilio: FakeTwilioHttp) -> FakeTwilioHttp:
    def created(call: Recorded) -> tuple[int, dict]:
        return 201, tj.message(
            77,
            body=call.form["Body"][0],
            status="queued",
            date_sent=None,
            number_to=call.form["To"][0],
        )

    twilio.on("GET", rf"/IncomingPhoneNumbers/{tj.sid('PN', 1)}\.json", (200, tj.phone(1)))
    twilio.on("POST", r"/Messages\.json", created)
    return twilio


def send(headers: dict[str, str], patient: Patient | None, **fields: Any) -> RouteResult:
    payload = MAIN | {"numberTo": MOBILE, "text": "See you at 9", "clientRequestId": uuid4().hex}
    payload |= fields
    if patient is not None:
        payload["patientId"] = str(patient.id)
    return call_route("POST", "/sms_send", body=payload, headers=headers)


def thread(headers: dict[str, str], patient: Patient, secrets: dict | None = None) -> RouteResult:
    return call_route("GET", f"/patients/{patient.id}/thread", headers=headers, secrets=secrets)


def broadcasts(result: RouteResult) -> list[dict]:
    return [
        json.loads(e.payload)["data"]
        for e in result.effects
        if e.type == EffectType.SIMPLE_API_WEBSOCKET_BROADCAST
    ]


def effects_of(result: RouteResult, effect_type: int) -> list[dict]:
    return [json.loads(e.payload) for e in result.effects if e.type == effect_type]


def test_thread_lists_the_patients_active_phones_mobile_first(
    twilio: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    result = thread(staff_headers, maria)

    assert result.status == 200
    body = result.json()
    assert body["patient"]["firstName"] == "Maria"
    assert [p["number"] for p in body["phones"]] == [MOBILE, "+15550123400"]
    assert body["phones"][0]["use"] == "mobile"
    assert body["messages"] == []
    assert twilio.calls == []


def test_thread_of_an_unknown_patient_is_404(twilio: FakeTwilioHttp, staff_headers: dict) -> None:
    result = call_route("GET", "/patients/" + "f" * 32 + "/thread", headers=staff_headers)

    assert result.status == 404


def test_quick_replies_are_filled_for_the_patient(
    twilio: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    secrets = SECRETS | {
        "PracticeName": "Riverside",
        "QuickReplies": json.dumps(
            [{"name": "Reminder", "text": "Hi {patient_first_name}, {practice_name} here."}]
        ),
    }

    body = thread(staff_headers, maria, secrets).json()

    assert body["quickReplies"] == [{"name": "Reminder", "text": "Hi Maria, Riverside here."}]


def test_send_from_the_chart_is_recorded_audited_and_broadcast(
    account: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    result = send(staff_headers, maria)

    assert result.status == 201
    record = TextMessage.objects.get()
    assert (record.direction, record.status, record.staff_name) == (
        "outbound",
        "queued",
        "Ana Reyes",
    )
    assert record.patient_ids == [str(maria.id)]
    assert AuditEntry.objects.get().action == "send"
    assert broadcasts(result)[0]["channel"] == f"patient_{maria.id}"
    assert thread(staff_headers, maria).json()["messages"][0]["sentBy"] == "Ana Reyes"


def test_number_opted_out_in_the_record_is_refused_before_twilio(
    account: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    post_signed("/inbound_treatment", inbound_params("STOP"))

    result = send(staff_headers, maria)

    assert result.status == 409
    assert result.json()["error"]["reason"] == "opted_out"
    assert [c.method for c in account.calls] == []
    assert thread(staff_headers, maria).json()["phones"][0]["optedOutFrom"] == ["+15550100001"]


def test_start_clears_the_opt_out(
    account: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    post_signed("/inbound_treatment", inbound_params("STOP", MessageSid="SM" + "1" * 32))
    post_signed("/inbound_treatment", inbound_params("start", MessageSid="SM" + "2" * 32))

    assert send(staff_headers, maria).status == 201


def test_opt_out_is_per_practice_number(
    account: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    post_signed("/inbound_treatment", inbound_params("STOP", To="+15550100002"))

    assert send(staff_headers, maria).status == 201


def test_chart_opt_out_is_refused(account: FakeTwilioHttp, staff_headers: dict) -> None:
    john = PatientFactory(first_name="John")
    add_phone(john, "+15550199999", opted_out=True)

    result = send(staff_headers, john, numberTo="+15550199999")

    assert result.status == 409
    assert result.json()["error"]["reason"] == "opted_out"
    assert account.calls == []


def test_number_without_consent_needs_confirmation(
    account: FakeTwilioHttp, staff_headers: dict
) -> None:
    patient = PatientFactory()
    add_phone(patient, MOBILE, consent=False)

    refused = send(staff_headers, patient)
    confirmed = send(staff_headers, patient, confirmNoConsent=True)

    assert refused.status == 409 and refused.json()["error"]["reason"] == "consent_required"
    assert confirmed.status == 201


def test_twilio_21610_on_send_marks_the_number_opted_out(
    account: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    account.on("POST", r"/Messages\.json", (400, tj.error(21610, 400, "unsubscribed")))
    send(staff_headers, maria)
    calls = len(account.calls)

    again = send(staff_headers, maria)

    assert again.status == 409 and len(account.calls) == calls
    assert OptOut.objects.get().source == "twilio_21610"


def test_inbound_from_a_chart_number_reaches_the_thread_with_a_live_update(
    twilio: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    Application.objects.create(
        identifier="twilio_sms_mms.handlers.sms_form_app:SmsFormApp",
        name="SMS Twilio",
        description="x",
    )

    result = post_signed("/inbound_treatment", inbound_params("Can I move my appointment?"))

    assert result.status == 200
    assert broadcasts(result)[0]["channel"] == f"patient_{maria.id}"
    assert broadcasts(result)[0]["message"]["message"]["body"] == "Can I move my appointment?"
    badge = effects_of(result, EffectType.SET_APPLICATION_NOTIFICATION_BADGE)[0]
    assert (badge["data"]["count"], badge["data"]["patient_ids"]) == (1, [str(maria.id)])
    opened = thread(staff_headers, maria)
    assert opened.json()["messages"][-1]["direction"] == "inbound"
    assert (
        effects_of(opened, EffectType.SET_APPLICATION_NOTIFICATION_BADGE)[0]["data"]["count"] == 0
    )
    assert twilio.calls == []


def test_replayed_inbound_changes_nothing(twilio: FakeTwilioHttp, maria: Patient) -> None:
    first = post_signed("/inbound_treatment", inbound_params())
    again = post_signed("/inbound_treatment", inbound_params())

    assert broadcasts(first) and not broadcasts(again)
    assert TextMessage.objects.count() == 1


def test_shared_number_links_every_patient(
    twilio: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    child = PatientFactory(first_name="Leo")
    add_phone(child, MOBILE)

    result = post_signed("/inbound_treatment", inbound_params())

    assert sorted(b["channel"] for b in broadcasts(result)) == sorted(
        ["inbox", f"patient_{maria.id}", f"patient_{child.id}"]
    )
    assert thread(staff_headers, child).json()["messages"][0]["shared"] is True
    assert thread(staff_headers, child).json()["phones"][0]["shared"] is True


def test_unknown_number_goes_to_unmatched(
    twilio: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    post_signed("/inbound_treatment", inbound_params(From="+15550177777"))

    result = call_route("GET", "/unmatched", headers=staff_headers)

    assert [m["patientNumber"] for m in result.json()["messages"]] == ["+15550177777"]


def test_help_keyword_answers_with_the_help_text(maria: Patient) -> None:
    secrets = SECRETS | {"HelpReplyText": "Call us", "AutoReplyText": "Thanks"}

    result = post_signed("/inbound_treatment", inbound_params("HELP"), secrets=secrets)

    assert "<Message>Call us</Message>" in result.body.decode()


def test_task_is_created_for_the_care_team_when_enabled(maria: Patient) -> None:
    secrets = SECRETS | {"CreateTaskOnInbound": "true", "InboundTaskTeamId": "team-7"}

    result = post_signed("/inbound_treatment", inbound_params(), secrets=secrets)

    task = effects_of(result, EffectType.CREATE_TASK)[0]["data"]
    assert task["patient"] == {"id": str(maria.id)} and task["team"] == {"id": "team-7"}


def test_no_task_for_keywords_or_when_disabled(maria: Patient) -> None:
    enabled = SECRETS | {"CreateTaskOnInbound": "true"}

    stop = post_signed("/inbound_treatment", inbound_params("STOP"), secrets=enabled)
    plain = post_signed("/inbound_treatment", inbound_params(MessageSid="SM" + "3" * 32))

    assert not effects_of(stop, EffectType.CREATE_TASK)
    assert not effects_of(plain, EffectType.CREATE_TASK)


def test_status_callback_updates_the_thread_and_broadcasts(
    account: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    sid = send(staff_headers, maria).json()["message"]["sid"]

    result = post_signed("/outbound_api_status", status_params("delivered", MessageSid=sid))
    late = post_signed("/outbound_api_status", status_params("sent", MessageSid=sid))

    assert broadcasts(result)[0]["message"] == {
        "type": "status",
        "sid": sid,
        "status": "delivered",
        "errorCode": None,
        "errorExplanation": None,
    }
    assert not broadcasts(late)
    assert thread(staff_headers, maria).json()["messages"][0]["status"] == "delivered"


def test_callback_with_21610_marks_the_pair_opted_out(
    account: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    sid = send(staff_headers, maria).json()["message"]["sid"]

    post_signed("/outbound_api_status", status_params("failed", MessageSid=sid, ErrorCode="21610"))

    assert send(staff_headers, maria).json()["error"]["reason"] == "opted_out"


def test_audit_is_limited_to_listed_staff(
    account: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    send(staff_headers, maria)
    staff_id = staff_headers["canvas-logged-in-user-id"]

    refused = call_route("GET", "/audit", headers=staff_headers)
    allowed = call_route(
        "GET",
        "/audit",
        headers=staff_headers,
        secrets=SECRETS | {"AuditStaffIds": f"someone, {staff_id}"},
    )

    assert refused.status == 403
    entry = allowed.json()["entries"][0]
    assert (entry["staffId"], entry["action"]) == (staff_id, "send")


def test_webhook_change_and_delete_are_audited(twilio: FakeTwilioHttp, staff_headers: dict) -> None:
    twilio.on("POST", rf"/IncomingPhoneNumbers/{tj.sid('PN', 1)}\.json", (200, tj.phone(1)))
    twilio.on("DELETE", rf"/Messages/{tj.sid('SM', 4)}\.json", (204, None))
    admin = SECRETS | {"AdminStaffIds": staff_headers["canvas-logged-in-user-id"]}

    call_route(
        "POST",
        f"/inbound_webhook/{tj.sid('PN', 1)}",
        body={"url": "https://x.example/in", "method": "POST"},
        headers=staff_headers,
        secrets=admin,
    )
    call_route("DELETE", f"/message_delete/{tj.sid('SM', 4)}", headers=staff_headers, secrets=admin)

    assert sorted(AuditEntry.objects.values_list("action", "target")) == [
        ("delete", tj.sid("SM", 4)),
        ("inbound_webhook", tj.sid("PN", 1)),
    ]


def test_inbound_body_is_stored_as_sent(
    twilio: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    hostile = '<img src=x onerror="window.__xss=1">'
    post_signed("/inbound_treatment", inbound_params(hostile))

    assert thread(staff_headers, maria).json()["messages"][0]["body"] == hostile


@pytest.mark.parametrize(
    "stored", ["5550123456", "(555) 012-3456", "555-012-3456", "+1 555 012 3456", "15550123456"]
)
def test_inbound_matches_the_chart_whatever_the_stored_format(stored: str) -> None:
    patient = PatientFactory()
    add_phone(patient, stored)

    result = post_signed("/inbound_treatment", inbound_params())

    assert broadcasts(result)[0]["channel"] == f"patient_{patient.id}"


def test_reading_the_thread_clears_the_badge(
    twilio: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    Application.objects.create(
        identifier="twilio_sms_mms.handlers.sms_form_app:SmsFormApp", name="SMS", description="x"
    )
    post_signed("/inbound_treatment", inbound_params())

    first = call_route("POST", f"/patients/{maria.id}/read", headers=staff_headers)
    again = call_route("POST", f"/patients/{maria.id}/read", headers=staff_headers)

    assert first.json() == {"marked": 1, "unread": 0}
    badge = effects_of(first, EffectType.SET_APPLICATION_NOTIFICATION_BADGE)[0]["data"]
    assert (badge["count"], badge["patient_ids"]) == (0, [str(maria.id)])
    assert again.json()["marked"] == 0
    assert effects_of(again, EffectType.SET_APPLICATION_NOTIFICATION_BADGE)[0]["data"]["count"] == 0


def test_peeking_at_the_thread_keeps_texts_unread(
    twilio: FakeTwilioHttp, staff_headers: dict, maria: Patient
) -> None:
    post_signed("/inbound_treatment", inbound_params())

    peek = call_route(
        "GET", f"/patients/{maria.id}/thread", query="markRead=0", headers=staff_headers
    )

    assert peek.json()["messages"][0]["direction"] == "inbound"
    assert TextMessage.objects.get().read is False
