"""GET /phone_readiness (Messaging v1 through the one Twilio module) and sends via a service."""

from __future__ import annotations

import base64
from uuid import uuid4

import pytest
from django.utils import timezone
from pytest_mock import MockerFixture

from tests import twilio_json as tj
from tests.plugin_harness import (
    API_KEY,
    API_SECRET,
    SECRETS,
    STAFF,
    FakeTwilioHttp,
    Recorded,
    RouteResult,
    call_route,
)
from tests.test_webhooks import post_signed, status_params
from twilio_sms_mms.models.records import TextMessage
from twilio_sms_mms.services.storage import set_opt_out

MESSAGING = "https://messaging.twilio.test"
SECRETS_V1 = SECRETS | {"TwilioMessagingApiBaseUrl": MESSAGING}
SERVICE = tj.sid("MG", 7)
MAIN = "+15550100001"
FRONT = "+15550100002"


@pytest.fixture(autouse=True)
def readiness_is_plugin_code(mocker: MockerFixture) -> None:
    """get_cache() needs a plugin caller, as inside the runner (see conftest.plugin_context)."""
    from twilio_sms_mms.services import readiness_report

    mocker.patch.dict(readiness_report.__dict__, {"__is_plugin__": True})


def v1_page(key: str, items: list[dict]) -> dict:
    meta = {"page": 0, "page_size": 50, "next_page_url": None, "key": key}
    return {key: items, "meta": meta}


def fake_account(twilio: FakeTwilioHttp, campaign_status: str = "VERIFIED") -> FakeTwilioHttp:
    phones = [tj.phone(1), tj.phone(2, number=FRONT, label="Front desk")]
    service = {"sid": SERVICE, "friendly_name": "Clinic Reminders", "sticky_sender": True}
    campaign = {
        "messaging_service_sid": SERVICE,
        "campaign_status": campaign_status,
        "us_app_to_person_usecase": "ACCOUNT_NOTIFICATION",
    }
    number = {"service_sid": SERVICE, "phone_number": MAIN, "sid": tj.sid("PN", 1)}
    twilio.on(
        "GET", r"/IncomingPhoneNumbers\.json", (200, tj.page("incoming_phone_numbers", phones))
    )
    twilio.on("GET", r"/v1/Services", (200, v1_page("services", [service])))
    twilio.on(
        "GET", rf"/v1/Services/{SERVICE}/PhoneNumbers", (200, v1_page("phone_numbers", [number]))
    )
    twilio.on(
        "GET", rf"/v1/Services/{SERVICE}/Compliance/Usa2p", (200, v1_page("compliance", [campaign]))
    )
    return twilio


def readiness(query: str = "") -> dict:
    result = call_route("GET", "/phone_readiness", query=query, headers=STAFF, secrets=SECRETS_V1)
    assert result.status == 200, result.body
    return result.json()


def test_cold_readiness_reads_both_apis_with_basic_auth(twilio: FakeTwilioHttp) -> None:
    fake_account(twilio)

    body = readiness()

    verdicts = {item["phoneNumber"]: item for item in body["readiness"]}
    assert verdicts[MAIN]["verdict"] == "ready"
    assert verdicts[MAIN]["text"] == (
        "Ready for US texting (campaign VERIFIED in service Clinic Reminders)."
    )
    assert verdicts[FRONT]["verdict"] == "blocked"
    assert "(Twilio 30034)" in verdicts[FRONT]["text"]
    assert verdicts[FRONT]["warn"] is True
    assert body["services"] == [
        {"sid": SERVICE, "name": "Clinic Reminders", "stickySender": True, "numbers": [MAIN]}
    ]
    assert body["cached"] is False
    assert sorted(call.path for call in twilio.calls) == sorted(
        [
            f"{tj.BASE}/IncomingPhoneNumbers.json".removeprefix(tj.BASE),
            "/v1/Services",
            f"/v1/Services/{SERVICE}/PhoneNumbers",
            f"/v1/Services/{SERVICE}/Compliance/Usa2p",
        ]
    )
    v1_calls = [call for call in twilio.calls if call.path.startswith("/v1/")]
    assert all(call.url.startswith(f"{MESSAGING}/v1/") for call in v1_calls)
    token = base64.b64encode(f"{API_KEY}:{API_SECRET}".encode()).decode()
    assert {call.headers["Authorization"] for call in twilio.calls} == {f"Basic {token}"}


def test_warm_readiness_makes_no_twilio_request_and_refresh_rereads(
    twilio: FakeTwilioHttp,
) -> None:
    fake_account(twilio, "PENDING")
    readiness()
    twilio.calls.clear()

    warm = readiness()

    assert twilio.calls == []
    assert warm["cached"] is True
    assert warm["readiness"][0]["verdict"] == "pending"
    fake_account(twilio, "VERIFIED")
    assert readiness("refresh=1")["readiness"][0]["verdict"] == "ready"
    assert len(twilio.calls) == 4


def test_the_phone_list_stays_one_request_beside_readiness(twilio: FakeTwilioHttp) -> None:
    fake_account(twilio)
    readiness()
    twilio.calls.clear()

    result = call_route("GET", "/phone_list", headers=STAFF, secrets=SECRETS_V1)

    assert result.status == 200
    assert len(twilio.calls) == 1


def test_messaging_api_errors_map_like_the_rest(twilio: FakeTwilioHttp) -> None:
    fake_account(twilio)
    twilio.on("GET", r"/v1/Services", (401, tj.error(20003, 401, "Authenticate")))

    result = call_route("GET", "/phone_readiness", headers=STAFF, secrets=SECRETS_V1)

    assert result.status == 401
    assert result.json()["error"]["twilioCode"] == 20003
    assert "TwilioAPIKey" in result.json()["error"]["message"]
    twilio.on("GET", r"/v1/Services", (503, tj.error(20503, 503)))
    assert call_route("GET", "/phone_readiness", headers=STAFF, secrets=SECRETS_V1).status == 502


def test_messaging_base_url_must_be_an_origin(twilio: FakeTwilioHttp) -> None:
    secrets = SECRETS | {"TwilioMessagingApiBaseUrl": "https://messaging.twilio.test/v1"}

    result = call_route("GET", "/phone_readiness", headers=STAFF, secrets=secrets)

    assert result.status == 503
    assert (
        "TwilioMessagingApiBaseUrl must be scheme://host[:port]"
        in result.json()["error"]["message"]
    )
    assert twilio.calls == []


# Sending through a Messaging Service ---------------------------------------------------------

MARIA = "+15550123456"


def service_send(payload: dict) -> RouteResult:
    fields = {"clientRequestId": uuid4().hex, "confirmNoConsent": True, "numberTo": MARIA}
    return call_route("POST", "/sms_send", body=fields | payload, headers=STAFF, secrets=SECRETS_V1)


def accepted(call: Recorded) -> tuple[int, dict]:
    """Twilio's answer to a service send: `accepted`, the sender not chosen yet."""
    message = tj.message(77, body=call.form["Body"][0], status="accepted", date_sent=None)
    return 201, message | {"from": None, "messaging_service_sid": SERVICE}


def test_a_service_send_lets_twilio_pick_the_sender(twilio: FakeTwilioHttp) -> None:
    fake_account(twilio).on("POST", r"/Messages\.json", accepted)

    result = service_send({"messagingServiceSid": SERVICE, "text": "Your results are in"})

    assert result.status == 201, result.body
    assert result.json()["message"]["status"] == "accepted"
    post = twilio.calls[-1]
    assert post.form["MessagingServiceSid"] == [SERVICE]
    assert "From" not in post.form
    assert not any("IncomingPhoneNumbers/PN" in call.path for call in twilio.calls)
    record = TextMessage.objects.get(sid=tj.sid("SM", 77))
    assert record.practice_number == MAIN  # the expected sender until Twilio says otherwise


def test_the_callback_records_the_line_twilio_used(twilio: FakeTwilioHttp) -> None:
    fake_account(twilio).on("POST", r"/Messages\.json", accepted)
    service_send({"messagingServiceSid": SERVICE, "text": "Hi"})
    sid = tj.sid("SM", 77)

    post_signed("/outbound_api_status", status_params("sent", MessageSid=sid, From=FRONT))

    assert TextMessage.objects.get(sid=sid).practice_number == FRONT


def test_a_stop_to_any_number_of_the_service_refuses_the_send(twilio: FakeTwilioHttp) -> None:
    both = [{"service_sid": SERVICE, "phone_number": number} for number in (MAIN, FRONT)]
    fake_account(twilio).on("POST", r"/Messages\.json", accepted)
    twilio.on("GET", rf"/v1/Services/{SERVICE}/PhoneNumbers", (200, v1_page("phone_numbers", both)))
    set_opt_out(FRONT, MARIA, True, "keyword", timezone.now())  # STOP to the service's other line

    result = service_send({"messagingServiceSid": SERVICE, "text": "Hi"})

    assert result.status == 409
    assert result.json()["error"]["reason"] == "opted_out"
    assert (
        "Messaging Service (they replied STOP to +15550100002)" in result.json()["error"]["message"]
    )
    assert not any(call.method == "POST" for call in twilio.calls)


def test_a_sender_outside_the_service_or_an_unknown_service_is_400(
    twilio: FakeTwilioHttp,
) -> None:
    fake_account(twilio).on("POST", r"/Messages\.json", accepted)

    outside = service_send({"messagingServiceSid": SERVICE, "numberFrom": FRONT, "text": "Hi"})
    unknown = service_send({"messagingServiceSid": tj.sid("MG", 9), "text": "Hi"})
    malformed = service_send({"messagingServiceSid": "MG123", "text": "Hi"})

    assert (outside.status, outside.json()["error"]["field"]) == (400, "numberFrom")
    assert (unknown.status, unknown.json()["error"]["field"]) == (400, "messagingServiceSid")
    assert (malformed.status, malformed.json()["error"]["field"]) == (400, "messagingServiceSid")
    assert not any(call.method == "POST" for call in twilio.calls)
