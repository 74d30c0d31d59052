"""Twilio's 429/20429: backoff with jitter, at most 3 tries, then 503 "Twilio is busy"."""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

import pytest
import requests
from pytest_mock import MockerFixture

from tests import twilio_json as tj
from tests.plugin_harness import STAFF, FakeTwilioHttp, Recorded, call_route

NUMBER = "+15550100001"
MAIN = {"numberFrom": NUMBER, "numberFromSid": tj.sid("PN", 1)}


@pytest.fixture
def waits(mocker: MockerFixture) -> list[float]:
    """The backoff's sleeps, recorded instead of slept."""
    slept: list[float] = []
    mocker.patch("twilio_sms_mms.services.twilio_service.sleep", side_effect=slept.append)
    return slept


def busy_then(answer: tuple[int, dict], busy: int) -> Callable[[Recorded], tuple[int, dict]]:
    """429 for the first `busy` requests, then `answer`."""
    seen: list[int] = []

    def reply(call: Recorded) -> tuple[int, dict]:
        seen.append(1)
        return (429, tj.error(20429, 429)) if len(seen) <= busy else answer

    return reply


def test_a_get_rides_out_two_429s(twilio: FakeTwilioHttp, waits: list[float]) -> None:
    twilio.on("GET", r"/Messages\.json", busy_then((200, tj.page("messages", [tj.message(1)])), 2))

    result = call_route("GET", f"/message_list/{NUMBER}/from", headers=STAFF)

    assert result.status == 200
    assert len(twilio.calls) == 3
    assert len(waits) == 2
    assert 0.25 <= waits[0] <= 0.5 and 0.5 <= waits[1] <= 0.75  # exponential, with jitter
    assert sum(waits) < 2


def test_three_429s_are_a_503_twilio_is_busy(twilio: FakeTwilioHttp, waits: list[float]) -> None:
    twilio.on("GET", r"/Messages\.json", (429, tj.error(20429, 429)))

    result = call_route("GET", f"/message_list/{NUMBER}/from", headers=STAFF)

    assert result.status == 503
    error = result.json()["error"]
    assert (error["twilioCode"], error["reason"]) == (20429, "twilio_busy")
    assert error["message"].startswith("Twilio is busy")
    assert len(twilio.calls) == 3 and len(waits) == 2


def send_payload() -> dict:
    return MAIN | {
        "clientRequestId": uuid4().hex,
        "confirmNoConsent": True,
        "numberTo": "+15550123456",
        "text": "See you at 9",
    }


def test_a_send_answered_429_is_posted_again_and_sent_once(
    twilio: FakeTwilioHttp, waits: list[float]
) -> None:
    twilio.on("GET", rf"/IncomingPhoneNumbers/{tj.sid('PN', 1)}\.json", (200, tj.phone(1)))
    twilio.on("POST", r"/Messages\.json", busy_then((201, tj.message(5, status="queued")), 1))

    result = call_route("POST", "/sms_send", body=send_payload(), headers=STAFF)

    assert result.status == 201
    assert [call.method for call in twilio.calls].count("POST") == 2
    assert len(waits) == 1


@pytest.mark.parametrize(
    "failure", [(500, tj.error(20500, 500)), requests.exceptions.ReadTimeout("read timed out")]
)
def test_a_send_that_may_have_been_processed_is_never_retried(
    twilio: FakeTwilioHttp, waits: list[float], failure: object
) -> None:
    twilio.on("GET", rf"/IncomingPhoneNumbers/{tj.sid('PN', 1)}\.json", (200, tj.phone(1)))
    twilio.on("POST", r"/Messages\.json", failure)  # type: ignore[arg-type]

    result = call_route("POST", "/sms_send", body=send_payload(), headers=STAFF)

    assert result.status == 202
    assert [call.method for call in twilio.calls].count("POST") == 1
    assert waits == []


def test_the_readiness_batch_is_read_again_after_a_429(
    twilio: FakeTwilioHttp, waits: list[float], mocker: MockerFixture
) -> None:
    from tests.test_messaging_services import SECRETS_V1, SERVICE, fake_account, v1_page
    from twilio_sms_mms.services import readiness_report

    mocker.patch.dict(readiness_report.__dict__, {"__is_plugin__": True})
    service = {"sid": SERVICE, "friendly_name": "Clinic Reminders", "sticky_sender": True}
    fake_account(twilio).on(
        "GET", r"/v1/Services", busy_then((200, v1_page("services", [service])), 1)
    )

    result = call_route("GET", "/phone_readiness", headers=STAFF, secrets=SECRETS_V1)

    assert result.status == 200, result.body
    assert result.json()["readiness"][0]["verdict"] == "ready"
    assert len(waits) == 1
    assert [c.path for c in twilio.calls].count("/v1/Services") == 2
