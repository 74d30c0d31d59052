"""Exactly once: one Twilio POST per clientRequestId; a send that may have left is `unknown`
(202), shown in the thread and resolved at Twilio later; never a second POST by itself."""

from __future__ import annotations

import json
from datetime import timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
from canvas_sdk.effects import EffectType
from canvas_sdk.test_utils.factories import PatientFactory
from canvas_sdk.v1.data import Patient

from tests import twilio_json as tj
from tests.plugin_harness import STAFF, FakeTwilioHttp, Recorded, RouteResult, call_route
from tests.test_patient_texting import add_phone
from tests.test_webhooks import post_signed, status_params
from twilio_sms_mms.models.records import SendAttempt, TextMessage
from twilio_sms_mms.services import idempotency, storage, validation

MAIN = {"numberFrom": "+15550100001", "numberFromSid": tj.sid("PN", 1)}
NUMBER = "+15550123456"
KEY = "draft-0001-aaaa"
TEXT = "Your results are ready"
ACCEPTED_SID = tj.sid("SM", 0xACC)
REFUSED = requests.exceptions.ConnectionError(
    "HTTPSConnectionPool(host='api.twilio.test', port=443): Max retries exceeded "
    "(Caused by NewConnectionError('Failed to establish a new connection: [Errno 111] "
    "Connection refused'))"
)
DROPPED = requests.exceptions.ConnectionError(
    "('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))"
)


def twilio_now(moment: Any = None) -> str:
    return format_datetime(moment or storage.now())


def at_twilio(n: int = 0xACC, body: str = TEXT, created: Any = None, **extra: Any) -> dict:
    """The accepted message as Twilio lists it."""
    return tj.message(n, body=body, status="sent", **extra) | {"date_created": twilio_now(created)}


@pytest.fixture
def maria() -> Patient:
    patient = PatientFactory(first_name="Maria")
    add_phone(patient, NUMBER)
    return patient


@pytest.fixture
def account(twilio: FakeTwilioHttp) -> FakeTwilioHttp:
    def created(call: Recorded) -> tuple[int, dict]:
        return 201, tj.message(0xACC, body=call.form["Body"][0], status="queued", date_sent=None)

    twilio.on("GET", rf"/IncomingPhoneNumbers/{tj.sid('PN', 1)}\.json", (200, tj.phone(1)))
    twilio.on("POST", r"/Messages\.json", created)
    twilio.on("GET", r"/Messages\.json", (200, tj.page("messages", [])))
    return twilio


def send(patient: Patient | None, key: str = KEY, text: str = TEXT, **extra: Any) -> RouteResult:
    payload = MAIN | {"numberTo": NUMBER, "text": text, "clientRequestId": key} | extra
    if patient is not None:
        payload["patientId"] = str(patient.id)
    return call_route("POST", "/sms_send", body=payload, headers=STAFF)


def thread(patient: Patient) -> RouteResult:
    return call_route("GET", f"/patients/{patient.id}/thread", headers=STAFF)


def posts(twilio: FakeTwilioHttp) -> int:
    return sum(
        call.method == "POST" and call.path.endswith("/Messages.json") for call in twilio.calls
    )


def lookups(twilio: FakeTwilioHttp) -> list[Recorded]:
    return [c for c in twilio.calls if c.method == "GET" and c.path.endswith("/Messages.json")]


def broadcasts(result: RouteResult) -> list[dict]:
    return [
        json.loads(e.payload)["data"]
        for e in result.effects
        if e.type == EffectType.SIMPLE_API_WEBSOCKET_BROADCAST
    ]


def make_unknown(twilio: FakeTwilioHttp, patient: Patient, failure: Exception = DROPPED) -> dict:
    twilio.on("POST", r"/Messages\.json", failure)
    result = send(patient)
    assert result.status == 202, result.body
    return result.json()


# The idempotency key ------------------------------------------------------------------------


def test_the_same_key_twice_posts_once_and_replays_the_first_answer(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    first = send(maria)
    second = send(maria)

    assert (first.status, second.status) == (201, 201)
    assert posts(account) == 1
    assert first.json()["replayed"] is False and second.json()["replayed"] is True
    assert second.json()["message"] == first.json()["message"]
    assert second.json()["clientRequestId"] == KEY
    assert TextMessage.objects.count() == 1


def test_the_same_key_with_another_text_is_a_conflict(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    send(maria)

    result = send(maria, text="Something else")

    assert result.status == 409
    assert result.json()["error"]["reason"] == "idempotency_conflict"
    assert posts(account) == 1


def test_a_key_still_being_sent_is_a_conflict(account: FakeTwilioHttp, maria: Patient) -> None:
    first: list[RouteResult] = []

    def double_click(call: Recorded) -> tuple[int, dict]:
        first.append(send(maria))  # the second click arrives while the first POST is out
        return 201, tj.message(0xACC, body=TEXT, status="queued", date_sent=None)

    account.on("POST", r"/Messages\.json", double_click)

    assert send(maria).status == 201
    assert first[0].status == 409 and first[0].json()["error"]["reason"] == "send_in_progress"
    assert posts(account) == 1


def test_a_send_left_pending_by_a_dead_request_is_unknown_not_resent(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    status_url = "https://clinic.example.org/plugin-io/api/twilio_sms_mms/outbound_api_status"
    request = validation.parse_send_request(MAIN | {"numberTo": NUMBER, "text": TEXT}, status_url)
    storage.start_send_attempt(
        STAFF["canvas-logged-in-user-id"],
        KEY,
        idempotency.fingerprint(request),
        MAIN["numberFrom"],
        NUMBER,
    )
    assert send(maria).json()["error"]["reason"] == "send_in_progress"

    SendAttempt.objects.update(created=storage.now() - timedelta(minutes=3))
    result = send(maria)

    assert result.status == 202 and result.json()["message"]["status"] == "unknown"
    assert posts(account) == 0
    assert thread(maria).json()["messages"][0]["clientRequestId"] == KEY


def test_keys_are_per_staff_member(account: FakeTwilioHttp, maria: Patient) -> None:
    send(maria)
    other = {**STAFF, "canvas-logged-in-user-id": "staff-key-9"}
    payload = MAIN | {
        "numberTo": NUMBER,
        "text": TEXT,
        "clientRequestId": KEY,
        "patientId": str(maria.id),
    }

    assert call_route("POST", "/sms_send", body=payload, headers=other).status == 201
    assert posts(account) == 2


@pytest.mark.parametrize("key", [None, "", "short", "x" * 65, "bad key!", "abc\n12345", 12345678])
def test_a_missing_or_malformed_key_is_400(
    account: FakeTwilioHttp, maria: Patient, key: object
) -> None:
    payload: dict[str, object] = {**MAIN, "numberTo": NUMBER, "text": TEXT}
    payload["patientId"] = str(maria.id)
    if key is not None:
        payload["clientRequestId"] = key

    result = call_route("POST", "/sms_send", body=payload, headers=STAFF)

    assert result.status == 400 and result.json()["error"]["field"] == "clientRequestId"
    assert account.calls == []


# Failures: nothing left vs. may have left --------------------------------------------------


@pytest.mark.parametrize(
    ("failure", "status"), [(REFUSED, 502), (requests.exceptions.ConnectTimeout("connect"), 504)]
)
def test_a_failure_before_the_request_left_frees_the_key(
    account: FakeTwilioHttp, maria: Patient, failure: Exception, status: int
) -> None:
    account.on("POST", r"/Messages\.json", failure)
    assert send(maria).status == status

    account.on(
        "POST",
        r"/Messages\.json",
        (201, tj.message(0xACC, body=TEXT, status="queued", date_sent=None)),
    )
    retried = send(maria)

    assert retried.status == 201 and retried.json()["replayed"] is False
    assert posts(account) == 2
    assert SendAttempt.objects.get().state == "sent"


def test_a_twilio_refusal_frees_the_key(account: FakeTwilioHttp, maria: Patient) -> None:
    account.on("POST", r"/Messages\.json", (429, tj.error(20429, 429, "Too many requests")))

    assert send(maria).status == 503  # 3 tries (tests/test_rate_limits.py), then Twilio is busy
    assert SendAttempt.objects.count() == 0


@pytest.mark.parametrize(
    "failure",
    [
        requests.exceptions.ReadTimeout("read timed out"),
        DROPPED,
        (500, tj.error(20500, 500, "Internal Server Error")),
        (503, {"message": "Service Unavailable"}),
        (201, "not json"),
    ],
    ids=["read-timeout", "dropped", "twilio-500", "twilio-503", "unreadable-201"],
)
def test_a_send_that_may_have_left_is_202_unknown(
    account: FakeTwilioHttp, maria: Patient, failure: Any
) -> None:
    account.on("POST", r"/Messages\.json", failure)

    result = send(maria)

    assert result.status == 202
    body = result.json()
    assert body["message"]["sid"] is None and body["message"]["status"] == "unknown"
    assert body["message"]["from"] == MAIN["numberFrom"] and body["message"]["to"] == NUMBER
    assert body["clientRequestId"] == KEY and body["replayed"] is False
    assert "may have been sent" in body["notice"]
    assert posts(account) == 1
    event = broadcasts(result)[0]["message"]
    assert event["type"] == "message" and event["message"]["clientRequestId"] == KEY


def test_an_unknown_send_is_never_posted_again_by_its_key(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    make_unknown(account, maria)

    again = send(maria)

    assert again.status == 202 and again.json()["replayed"] is True
    assert posts(account) == 1


def test_the_thread_shows_an_unknown_send_without_a_sid(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    make_unknown(account, maria)

    messages = thread(maria).json()["messages"]

    assert len(messages) == 1
    assert (messages[0]["sid"], messages[0]["status"]) == (None, "unknown")
    assert (messages[0]["clientRequestId"], messages[0]["body"]) == (KEY, TEXT)


# Resolving unknown sends -------------------------------------------------------------------


def test_opening_the_thread_finds_the_send_at_twilio(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    make_unknown(account, maria)
    account.on("GET", r"/Messages\.json", (200, tj.page("messages", [at_twilio()])))

    opened = thread(maria)

    message = opened.json()["messages"][0]
    assert (message["sid"], message["status"], message["clientRequestId"]) == (
        ACCEPTED_SID,
        "sent",
        KEY,
    )
    [lookup] = lookups(account)
    assert lookup.query["To"] == [NUMBER] and lookup.query["From"] == [MAIN["numberFrom"]]
    assert lookup.query["DateSent>"] == [storage.now().strftime("%Y-%m-%d")]
    live = broadcasts(opened)[0]["message"]
    assert live["type"] == "message" and live["message"]["clientRequestId"] == KEY
    assert live["message"]["sid"] == ACCEPTED_SID
    replay = send(maria)
    assert replay.status == 201 and replay.json()["message"]["sid"] == ACCEPTED_SID


def test_a_resolved_thread_costs_no_more_requests(account: FakeTwilioHttp, maria: Patient) -> None:
    make_unknown(account, maria)
    account.on("GET", r"/Messages\.json", (200, tj.page("messages", [at_twilio()])))
    thread(maria)
    before = len(account.calls)

    thread(maria)

    assert len(account.calls) == before


def test_the_lookup_skips_older_and_already_recorded_messages(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    send(maria, key="earlier-send-1")  # the same text sent before, recorded as SM...acc
    make_unknown(account, maria)
    listed = [
        at_twilio(0xACC),  # the earlier send: already in the record
        at_twilio(0xB0B, created=storage.now() - timedelta(hours=3)),  # too old
        at_twilio(0xC0C, body="another text"),
        at_twilio(0xD0D),
    ]
    account.on("GET", r"/Messages\.json", (200, tj.page("messages", listed)))

    sids = [m["sid"] for m in thread(maria).json()["messages"]]

    assert sids == [tj.sid("SM", 0xACC), tj.sid("SM", 0xD0D)]


def test_two_identical_unknown_sends_claim_two_messages(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    make_unknown(account, maria)
    assert send(maria, key="draft-0002-bbbb").status == 202
    listed = [at_twilio(0xD0D), at_twilio(0xE0E)]
    account.on("GET", r"/Messages\.json", (200, tj.page("messages", listed)))

    messages = thread(maria).json()["messages"]

    assert sorted(m["sid"] for m in messages) == [tj.sid("SM", 0xD0D), tj.sid("SM", 0xE0E)]
    assert sorted(m["clientRequestId"] for m in messages) == [KEY, "draft-0002-bbbb"]


def test_not_found_stays_unknown_then_becomes_not_sent_after_the_grace_period(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    make_unknown(account, maria)

    assert thread(maria).json()["messages"][0]["status"] == "unknown"
    assert len(lookups(account)) == 1

    SendAttempt.objects.update(created=storage.now() - timedelta(minutes=3))
    late = thread(maria)

    message = late.json()["messages"][0]
    assert (message["status"], message["sid"], message["clientRequestId"]) == (
        "not_sent",
        None,
        KEY,
    )
    assert broadcasts(late)[0]["message"]["message"]["status"] == "not_sent"
    before = len(account.calls)
    thread(maria)
    assert len(account.calls) == before  # settled: no more lookups


def test_a_failed_lookup_leaves_the_send_unknown(account: FakeTwilioHttp, maria: Patient) -> None:
    make_unknown(account, maria)
    account.on("GET", r"/Messages\.json", (503, {"message": "unavailable"}))

    opened = thread(maria)

    assert opened.status == 200
    assert opened.json()["messages"][0]["status"] == "unknown"


def test_a_callback_for_a_new_sid_resolves_the_one_unknown_send(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    make_unknown(account, maria)
    before = len(account.calls)

    callback = post_signed(
        "/outbound_api_status", status_params("sent", MessageSid=ACCEPTED_SID, SmsSid=ACCEPTED_SID)
    )

    assert len(account.calls) == before  # no Twilio request
    live = broadcasts(callback)[0]["message"]
    assert live["message"]["clientRequestId"] == KEY and live["message"]["sid"] == ACCEPTED_SID
    message = thread(maria).json()["messages"][0]
    assert (message["sid"], message["status"], message["body"]) == (ACCEPTED_SID, "sent", TEXT)
    assert TextMessage.objects.count() == 1


def test_a_callback_does_not_guess_between_two_unknown_sends(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    make_unknown(account, maria)
    send(maria, key="second-draft-2", text="Another text")

    post_signed(
        "/outbound_api_status", status_params("sent", MessageSid=ACCEPTED_SID, SmsSid=ACCEPTED_SID)
    )

    assert [m["status"] for m in thread(maria).json()["messages"]] == ["unknown", "unknown"]


def test_opening_the_log_resolves_the_numbers_unknown_sends(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    make_unknown(account, maria)
    account.on("GET", r"/Messages\.json", (200, tj.page("messages", [at_twilio()])))

    log = call_route("GET", "/message_list/%2B15550100001/from", headers=STAFF)

    assert log.status == 200
    assert len(lookups(account)) == 2  # the lookup and the page itself
    assert TextMessage.objects.get().sid == ACCEPTED_SID


def test_the_log_costs_one_request_when_nothing_is_unknown(
    account: FakeTwilioHttp, maria: Patient
) -> None:
    send(maria)
    before = len(account.calls)

    call_route("GET", "/message_list/%2B15550100001/from", headers=STAFF)

    assert len(account.calls) - before == 1
