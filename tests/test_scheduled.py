"""Scheduled texts: sendAt checked before Twilio, ScheduleType=fixed + SendAt in UTC, cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest
from pytest_mock import MockerFixture

from tests import twilio_json as tj
from tests.plugin_harness import STAFF, FakeTwilioHttp, Recorded, RouteResult, call_route
from tests.test_messaging_services import FRONT, MAIN, SECRETS_V1, SERVICE, fake_account, v1_page
from tests.test_webhooks import inbound_params, post_signed
from twilio_sms_mms.models.records import AuditEntry, TextMessage
from twilio_sms_mms.services.errors import ApiError
from twilio_sms_mms.services.scheduling import parse_send_at, twilio_send_at

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
MARIA = "+15550123456"
SCHEDULED_SID = tj.sid("SM", 88)


@pytest.fixture(autouse=True)
def readiness_is_plugin_code(mocker: MockerFixture) -> None:
    from twilio_sms_mms.services import readiness_report, stop_cancels

    for module in (readiness_report, stop_cancels):
        mocker.patch.dict(module.__dict__, {"__is_plugin__": True})


def refusal(raw: object, service: str = SERVICE) -> str:
    with pytest.raises(ApiError) as error:
        parse_send_at(raw, service, NOW)
    assert error.value.status == 400
    assert error.value.field == "sendAt"
    return error.value.message


def test_send_at_is_converted_to_utc_from_its_offset() -> None:
    when = parse_send_at("2026-12-03T09:30:00-05:00", SERVICE, NOW)

    assert when == datetime(2026, 12, 3, 14, 30, tzinfo=UTC)
    assert twilio_send_at(when) == "2026-12-03T14:30:00Z"
    assert parse_send_at("2026-12-03T12:15:00Z", SERVICE, NOW) == NOW + timedelta(minutes=15)
    assert parse_send_at("", SERVICE, NOW) is None
    assert parse_send_at(None, "", NOW) is None


def test_send_at_window_is_15_minutes_to_35_days() -> None:
    assert "at least 15 minutes" in refusal((NOW + timedelta(minutes=14)).isoformat())
    assert "at least 15 minutes" in refusal((NOW - timedelta(days=1)).isoformat())
    assert "at most 35 days" in refusal((NOW + timedelta(days=35, minutes=1)).isoformat())
    assert parse_send_at((NOW + timedelta(days=35)).isoformat(), SERVICE, NOW)


def test_send_at_needs_an_offset_a_date_and_a_messaging_service() -> None:
    assert "UTC offset" in refusal("2026-12-03T14:30:00")
    assert "ISO 8601" in refusal("next tuesday")
    assert "ISO 8601" in refusal(1733234400)
    assert "Messaging Service" in refusal((NOW + timedelta(hours=1)).isoformat(), service="")


def scheduled(call: Recorded) -> tuple[int, dict]:
    message = tj.message(88, body=call.form["Body"][0], status="scheduled", date_sent=None)
    return 201, message | {"from": None, "messaging_service_sid": SERVICE}


def schedule(send_at: str, **extra: str) -> RouteResult:
    payload = {
        "clientRequestId": uuid4().hex,
        "confirmNoConsent": True,
        "numberTo": MARIA,
        "text": "Reminder: your appointment is tomorrow at 9:00.",
        "sendAt": send_at,
        **extra,
    }
    return call_route("POST", "/sms_send", body=payload, headers=STAFF, secrets=SECRETS_V1)


def test_a_scheduled_send_posts_schedule_type_fixed_and_send_at_in_utc(
    twilio: FakeTwilioHttp,
) -> None:
    fake_account(twilio).on("POST", r"/Messages\.json", scheduled)
    local = (datetime.now(UTC) + timedelta(days=2)).astimezone(timezone(timedelta(hours=-5)))

    result = schedule(local.isoformat(timespec="seconds"), messagingServiceSid=SERVICE)

    assert result.status == 201, result.body
    assert result.json()["message"]["status"] == "scheduled"
    assert datetime.fromisoformat(result.json()["message"]["sendAt"]) == local.replace(
        microsecond=0
    )
    post = twilio.calls[-1].form
    assert post["ScheduleType"] == ["fixed"]
    assert post["SendAt"] == [local.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert post["MessagingServiceSid"] == [SERVICE]
    record = TextMessage.objects.get(sid=SCHEDULED_SID)
    assert (record.status, record.practice_number) == ("scheduled", MAIN)


def test_a_scheduled_send_without_a_service_is_refused_before_twilio(
    twilio: FakeTwilioHttp,
) -> None:
    fake_account(twilio)
    later = (datetime.now(UTC) + timedelta(hours=2)).isoformat()

    result = schedule(later, numberFrom=MAIN, numberFromSid=tj.sid("PN", 1))

    assert (result.status, result.json()["error"]["field"]) == (400, "sendAt")
    assert not any(call.method == "POST" for call in twilio.calls)


def test_twilio_35114_is_explained(twilio: FakeTwilioHttp) -> None:
    fake_account(twilio).on("POST", r"/Messages\.json", (400, tj.error(35114, 400)))

    result = schedule(
        (datetime.now(UTC) + timedelta(minutes=16)).isoformat(), messagingServiceSid=SERVICE
    )

    assert result.status == 400
    assert result.json()["error"]["twilioCode"] == 35114
    assert "15 minutes to 35 days ahead" in result.json()["error"]["message"]


def canceled(call: Recorded) -> tuple[int, dict]:
    assert call.form == {"Status": ["canceled"]}
    return 200, tj.message(88, status="canceled", date_sent=None)


def cancel(sid: str = SCHEDULED_SID) -> RouteResult:
    return call_route("POST", f"/message_cancel/{sid}", body={}, headers=STAFF, secrets=SECRETS_V1)


def test_cancel_a_scheduled_text_records_and_audits_it(twilio: FakeTwilioHttp) -> None:
    fake_account(twilio).on("POST", r"/Messages\.json", scheduled)
    twilio.on("POST", rf"/Messages/{SCHEDULED_SID}\.json", canceled)
    schedule((datetime.now(UTC) + timedelta(days=1)).isoformat(), messagingServiceSid=SERVICE)

    result = cancel()

    assert result.status == 200, result.body
    assert result.json() == {"sid": SCHEDULED_SID, "status": "canceled"}
    assert TextMessage.objects.get(sid=SCHEDULED_SID).status == "canceled"
    assert AuditEntry.objects.filter(action="cancel_scheduled", target=SCHEDULED_SID).count() == 1


def test_cancel_of_a_text_already_sent_is_409_without_a_twilio_request(
    twilio: FakeTwilioHttp,
) -> None:
    fake_account(twilio).on("POST", r"/Messages\.json", scheduled)
    schedule((datetime.now(UTC) + timedelta(days=1)).isoformat(), messagingServiceSid=SERVICE)
    TextMessage.objects.filter(sid=SCHEDULED_SID).update(status="delivered")
    twilio.calls.clear()

    result = cancel()

    assert result.status == 409
    assert result.json()["error"]["twilioCode"] == 30409
    assert result.json()["error"]["reason"] == "not_scheduled"
    assert twilio.calls == []


def test_twilio_30409_on_cancel_is_a_409_with_words(twilio: FakeTwilioHttp) -> None:
    twilio.on("POST", rf"/Messages/{SCHEDULED_SID}\.json", (400, tj.error(30409, 400)))

    result = cancel()

    assert result.status == 409
    assert result.json()["error"]["message"].startswith("Only a text that is still scheduled")


# STOP cancels the patient's scheduled texts ----------------------------------------------------


def stop_from_maria(to: str = MAIN) -> RouteResult:
    params = inbound_params("STOP", From=MARIA, To=to, MessageSid=tj.sid("SM", 99))
    return post_signed("/inbound_treatment", params, secrets=SECRETS_V1)


def test_a_stop_cancels_the_texts_scheduled_to_that_number(twilio: FakeTwilioHttp) -> None:
    fake_account(twilio).on("POST", r"/Messages\.json", scheduled)
    twilio.on("POST", rf"/Messages/{SCHEDULED_SID}\.json", canceled)
    schedule((datetime.now(UTC) + timedelta(days=1)).isoformat(), messagingServiceSid=SERVICE)

    answer = stop_from_maria()

    assert answer.status == 200
    assert TextMessage.objects.get(sid=SCHEDULED_SID).status == "canceled"
    assert AuditEntry.objects.filter(action="cancel_on_stop", target=SCHEDULED_SID).exists()
    cancels = [c for c in twilio.calls if c.path.endswith(f"/Messages/{SCHEDULED_SID}.json")]
    assert len(cancels) == 1


def test_a_stop_to_another_service_number_cancels_too_and_a_failure_is_not_a_500(
    twilio: FakeTwilioHttp,
) -> None:
    both = [{"service_sid": SERVICE, "phone_number": n} for n in (MAIN, FRONT)]
    fake_account(twilio).on("POST", r"/Messages\.json", scheduled)
    twilio.on("GET", rf"/v1/Services/{SERVICE}/PhoneNumbers", (200, v1_page("phone_numbers", both)))
    twilio.on("POST", rf"/Messages/{SCHEDULED_SID}\.json", (400, tj.error(30409, 400)))
    schedule((datetime.now(UTC) + timedelta(days=1)).isoformat(), messagingServiceSid=SERVICE)

    answer = stop_from_maria(to=FRONT)

    assert answer.status == 200  # the STOP is recorded whatever Twilio answers to the cancel
    assert any(c.path.endswith(f"/Messages/{SCHEDULED_SID}.json") for c in twilio.calls)
    assert TextMessage.objects.get(sid=SCHEDULED_SID).status == "scheduled"


def test_other_keywords_and_other_patients_cancel_nothing(twilio: FakeTwilioHttp) -> None:
    fake_account(twilio).on("POST", r"/Messages\.json", scheduled)
    schedule((datetime.now(UTC) + timedelta(days=1)).isoformat(), messagingServiceSid=SERVICE)
    twilio.calls.clear()

    post_signed(
        "/inbound_treatment",
        inbound_params("HELP", From=MARIA, To=MAIN, MessageSid=tj.sid("SM", 98)),
        secrets=SECRETS_V1,
    )
    post_signed(
        "/inbound_treatment",
        inbound_params("STOP", From="+15550199999", To=MAIN, MessageSid=tj.sid("SM", 97)),
        secrets=SECRETS_V1,
    )

    assert twilio.calls == []
    assert TextMessage.objects.get(sid=SCHEDULED_SID).status == "scheduled"
