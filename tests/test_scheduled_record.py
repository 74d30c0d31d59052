"""A scheduled text on the plugin's record: its time and who canceled it, in the thread and Log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from canvas_sdk.test_utils.factories import PatientFactory
from canvas_sdk.v1.data import Patient

from tests import twilio_json as tj
from tests.plugin_harness import SECRETS, STAFF, FakeTwilioHttp, RouteResult, call_route
from tests.test_message_log import list_page
from tests.test_messaging_services import MAIN, SECRETS_V1, SERVICE, fake_account
from tests.test_patient_texting import add_phone, broadcasts
from tests.test_scheduled import (
    MARIA,
    SCHEDULED_SID,
    cancel,
    canceled,
    schedule,
    scheduled,
    stop_from_maria,
)
from tests.test_webhooks import post_signed, status_params
from twilio_sms_mms.models.records import TextMessage
from twilio_sms_mms.services import presenters

# Nine in the morning in New York, two days ahead: the clinician's wall clock, with its offset.
EST = timezone(timedelta(hours=-5))


@pytest.fixture
def maria() -> Patient:
    patient = PatientFactory(first_name="Maria", last_name="Lopez")
    add_phone(patient, MARIA, use="mobile")
    return patient


@pytest.fixture(autouse=True)
def readiness_is_plugin_code(mocker: Any) -> None:
    from twilio_sms_mms.services import readiness_report, stop_cancels

    for module in (readiness_report, stop_cancels):
        mocker.patch.dict(module.__dict__, {"__is_plugin__": True})


def two_days_ahead() -> datetime:
    day = (datetime.now(UTC) + timedelta(days=2)).astimezone(EST)
    return day.replace(hour=9, minute=0, second=0, microsecond=0)


def schedule_for(patient: Patient, when: datetime) -> RouteResult:
    result = schedule(when.isoformat(), messagingServiceSid=SERVICE, patientId=str(patient.id))
    assert result.status == 201, result.body
    return result


def thread_message(patient: Patient, sid: str = SCHEDULED_SID) -> dict:
    result = call_route("GET", f"/patients/{patient.id}/thread", query="markRead=0", headers=STAFF)
    assert result.status == 200, result.body
    return next(message for message in result.json()["messages"] if message["sid"] == sid)


def utc_text(when: datetime) -> str:
    return when.astimezone(UTC).isoformat()


@pytest.fixture
def scheduling(twilio: FakeTwilioHttp) -> FakeTwilioHttp:
    fake_account(twilio).on("POST", r"/Messages\.json", scheduled)
    twilio.on("POST", rf"/Messages/{SCHEDULED_SID}\.json", canceled)
    return twilio


def test_the_thread_shows_when_a_scheduled_text_will_be_sent_in_utc(
    scheduling: FakeTwilioHttp, maria: Patient
) -> None:
    when = two_days_ahead()

    sent = schedule_for(maria, when)

    shown = thread_message(maria)
    assert (shown["status"], shown["canceledBy"]) == ("scheduled", None)
    assert shown["sendAt"] == utc_text(when)
    assert datetime.fromisoformat(sent.json()["message"]["sendAt"]) == when
    assert shown["sendAt"].endswith("+00:00")
    assert TextMessage.objects.get(sid=SCHEDULED_SID).send_at == when
    live = broadcasts(sent)[0]["message"]["message"]
    assert live["sendAt"] == utc_text(when)


def test_status_callbacks_move_a_scheduled_text_on_and_its_time_stays(
    scheduling: FakeTwilioHttp, maria: Patient
) -> None:
    when = two_days_ahead()
    schedule_for(maria, when)

    for status in ("queued", "sent", "delivered"):
        params = status_params(status, MessageSid=SCHEDULED_SID, SmsSid=SCHEDULED_SID, To=MARIA)
        assert post_signed("/outbound_api_status", params, secrets=SECRETS_V1).status == 200

    shown = thread_message(maria)
    assert (shown["status"], shown["sendAt"], shown["canceledBy"]) == (
        "delivered",
        utc_text(when),
        None,
    )


def test_a_clinicians_cancel_is_stored_with_its_reason_and_pushed_whole(
    scheduling: FakeTwilioHttp, maria: Patient
) -> None:
    when = two_days_ahead()
    schedule_for(maria, when)

    result = cancel()

    assert result.status == 200, result.body
    live = [event["message"] for event in broadcasts(result)]
    assert [event["type"] for event in live] == ["message"]
    assert (live[0]["message"]["status"], live[0]["message"]["canceledBy"]) == (
        "canceled",
        "staff",
    )
    shown = thread_message(maria)
    assert (shown["status"], shown["canceledBy"], shown["sendAt"]) == (
        "canceled",
        "staff",
        utc_text(when),
    )


def test_a_late_canceled_callback_keeps_the_first_reason(
    scheduling: FakeTwilioHttp, maria: Patient
) -> None:
    schedule_for(maria, two_days_ahead())
    cancel()

    params = status_params("canceled", MessageSid=SCHEDULED_SID, SmsSid=SCHEDULED_SID, To=MARIA)
    late = post_signed("/outbound_api_status", params, secrets=SECRETS_V1)

    assert late.status == 200 and broadcasts(late) == []
    assert thread_message(maria)["canceledBy"] == "staff"


def test_a_stop_cancel_says_so_in_the_patients_thread(
    scheduling: FakeTwilioHttp, maria: Patient
) -> None:
    when = two_days_ahead()
    schedule_for(maria, when)

    stop = stop_from_maria()

    assert stop.status == 200
    canceled_events = [
        event["message"]["message"]
        for event in broadcasts(stop)
        if event["message"]["type"] == "message"
        and event["message"]["message"]["sid"] == SCHEDULED_SID
    ]
    assert [event["canceledBy"] for event in canceled_events] == ["stop"]
    shown = thread_message(maria)
    assert (shown["status"], shown["canceledBy"], shown["sendAt"]) == (
        "canceled",
        "stop",
        utc_text(when),
    )


def test_log_rows_and_details_carry_the_stored_time_of_scheduled_texts(
    scheduling: FakeTwilioHttp, maria: Patient
) -> None:
    when = two_days_ahead()
    schedule_for(maria, when)
    waiting = tj.message(88, status="scheduled", date_sent=None)
    list_page(scheduling, [waiting, tj.message(1)])
    scheduling.on("GET", rf"/Messages/{SCHEDULED_SID}\.json", (200, waiting))
    scheduling.on(
        "GET", rf"/Messages/{SCHEDULED_SID}/Media\.json", (200, tj.page("media_list", []))
    )

    rows = call_route("GET", f"/message_list/{MAIN}/from", headers=STAFF).json()["messages"]
    detail = call_route("GET", f"/message/{SCHEDULED_SID}", headers=STAFF).json()["message"]

    assert [(row["sid"], row["sendAt"]) for row in rows] == [
        (SCHEDULED_SID, utc_text(when)),
        (tj.sid("SM", 1), None),
    ]
    assert detail["sendAt"] == utc_text(when)


def test_a_log_page_without_scheduled_texts_reads_no_send_time(
    django_assert_num_queries: Any,
) -> None:
    from twilio_sms_mms.services.scheduled_texts import with_send_at

    rows = [{"sid": tj.sid("SM", n), "status": "delivered"} for n in range(3)]

    with django_assert_num_queries(0):
        assert [row["sendAt"] for row in with_send_at(rows)] == [None, None, None]


def test_a_scheduled_send_whose_answer_was_lost_keeps_its_time_when_resolved(
    twilio: FakeTwilioHttp, maria: Patient
) -> None:
    fake_account(twilio).on("POST", r"/Messages\.json", requests.exceptions.ReadTimeout("slow"))
    when = two_days_ahead()

    lost = schedule(when.isoformat(), messagingServiceSid=SERVICE, patientId=str(maria.id))
    callback = post_signed(
        "/outbound_api_status",
        status_params("scheduled", MessageSid=SCHEDULED_SID, SmsSid=SCHEDULED_SID, To=MARIA),
        secrets=SECRETS_V1,
    )

    assert lost.status == 202 and callback.status == 200
    shown = thread_message(maria)
    assert (shown["status"], shown["sendAt"]) == ("scheduled", utc_text(when))


def test_rows_stored_before_the_columns_read_as_texts_sent_at_once() -> None:
    moment = datetime(2025, 1, 2, 3, 4, tzinfo=UTC)
    old = TextMessage(
        sid=tj.sid("SM", 5),
        direction="outbound",
        practice_number=MAIN,
        patient_number=MARIA,
        status="delivered",
        created=moment,
        updated=moment,
    )

    shown = presenters.thread_message(old)

    assert (shown["sendAt"], shown["canceledBy"]) == (None, None)
    for name in ("send_at", "canceled_by"):  # ADD COLUMN on an installed database: NULL
        assert TextMessage._meta.get_field(name).null, name


@pytest.mark.parametrize(
    ("configured", "expected"), [("", "America/New_York"), ("Europe/Paris", "Europe/Paris")]
)
def test_both_apps_give_the_page_the_practice_zone_and_the_scheduling_window(
    twilio: FakeTwilioHttp, configured: str, expected: str
) -> None:
    from tests.test_inbox import open_inbox
    from tests.test_sms_form_app import app_config, open_app, page_of
    from twilio_sms_mms.constants import settings

    secrets = SECRETS | {"PracticeTimeZone": configured}
    chart = app_config(page_of(open_app(secrets)))
    inbox_page = open_inbox({"canvas-logged-in-user-id": "staff-1"}, secrets)["content"]
    inbox = app_config(inbox_page)

    for config in (chart, inbox):
        assert config["practiceTimeZone"] == expected
        limits = config["shared"]["limits"]
        assert limits["scheduleMinAheadMinutes"] == settings.SCHEDULE_MIN_AHEAD_MINUTES
        assert limits["scheduleMaxAheadDays"] == settings.SCHEDULE_MAX_AHEAD_DAYS


def chart_flag_opted_out(patient: Patient, number: str = MARIA) -> None:
    """Someone marks the number opted out on the chart (outside the plugin)."""
    from canvas_sdk.v1.data import PatientContactPoint

    PatientContactPoint.objects.filter(patient=patient, value=number).update(opted_out=True)


def cancels_at_twilio(twilio: FakeTwilioHttp) -> list[str]:
    return [
        call.path
        for call in twilio.calls
        if call.method == "POST" and call.form.get("Status") == ["canceled"]
    ]


def test_opening_a_chart_that_marks_the_number_opted_out_cancels_its_scheduled_texts(
    scheduling: FakeTwilioHttp, maria: Patient
) -> None:
    from twilio_sms_mms.models.records import AuditEntry

    when = two_days_ahead()
    schedule_for(maria, when)
    chart_flag_opted_out(maria)

    result = call_route("GET", f"/patients/{maria.id}/thread", headers=STAFF, secrets=SECRETS_V1)

    assert result.status == 200, result.body
    assert cancels_at_twilio(scheduling) == [f"/Messages/{SCHEDULED_SID}.json"]
    shown = next(m for m in result.json()["messages"] if m["sid"] == SCHEDULED_SID)
    assert (shown["status"], shown["canceledBy"], shown["sendAt"]) == (
        "canceled",
        "chart",
        utc_text(when),
    )
    assert AuditEntry.objects.filter(
        action="cancel_on_chart_opt_out", target=SCHEDULED_SID
    ).exists()
    pushed = [event["message"]["message"] for event in broadcasts(result)]
    assert [(m["sid"], m["canceledBy"]) for m in pushed if m.get("sid")] == [
        (SCHEDULED_SID, "chart")
    ]


def test_opening_the_chart_again_asks_twilio_nothing_more(
    scheduling: FakeTwilioHttp, maria: Patient
) -> None:
    schedule_for(maria, two_days_ahead())
    chart_flag_opted_out(maria)
    call_route("GET", f"/patients/{maria.id}/thread", headers=STAFF, secrets=SECRETS_V1)
    before = len(scheduling.calls)

    again = call_route("GET", f"/patients/{maria.id}/thread", headers=STAFF, secrets=SECRETS_V1)

    assert again.status == 200
    assert len(scheduling.calls) == before


def test_a_chart_without_an_opted_out_number_leaves_scheduled_texts_alone(
    scheduling: FakeTwilioHttp, maria: Patient
) -> None:
    schedule_for(maria, two_days_ahead())

    shown = thread_message(maria)

    assert cancels_at_twilio(scheduling) == []
    assert (shown["status"], shown["canceledBy"]) == ("scheduled", None)


def test_a_send_refused_by_the_chart_flag_cancels_what_is_scheduled_to_the_number(
    scheduling: FakeTwilioHttp, maria: Patient
) -> None:
    schedule_for(maria, two_days_ahead())
    chart_flag_opted_out(maria)

    refused = schedule(two_days_ahead().isoformat(), messagingServiceSid=SERVICE)

    assert (refused.status, refused.json()["error"]["reason"]) == (409, "opted_out")
    assert cancels_at_twilio(scheduling) == [f"/Messages/{SCHEDULED_SID}.json"]
    record = TextMessage.objects.get(sid=SCHEDULED_SID)
    assert (record.status, record.canceled_by) == ("canceled", "chart")


def test_a_send_refused_for_a_stop_to_another_line_cancels_nothing_else(
    scheduling: FakeTwilioHttp, maria: Patient
) -> None:
    from twilio_sms_mms.models.records import OptOut

    schedule_for(maria, two_days_ahead())
    OptOut.objects.create(
        practice_number=MAIN,
        patient_number=MARIA,
        source="keyword",
        updated=datetime.now(UTC),
        event_at=datetime.now(UTC),
    )
    payload = {"clientRequestId": "refused-by-stop", "numberFrom": MAIN, "numberTo": MARIA}
    payload |= {"numberFromSid": tj.sid("PN", 1), "text": "Hello", "patientId": str(maria.id)}

    refused = call_route("POST", "/sms_send", body=payload, headers=STAFF, secrets=SECRETS_V1)

    assert (refused.status, refused.json()["error"]["reason"]) == (409, "opted_out"), refused.body
    assert cancels_at_twilio(scheduling) == []
    assert TextMessage.objects.get(sid=SCHEDULED_SID).status == "scheduled"
