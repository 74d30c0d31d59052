"""Production sending at the stand-in, driven by Twilio's official library (`twilio`).

A US long code outside a VERIFIED A2P campaign fails with 30034 after the create; each sender
leaves the queue at its pace (a long code: 1 segment a second, on the queue clock that tests
advance); a message that waits past its ValidityPeriod fails with 30001; one request in N can
be answered 429/20429. The stand-in here runs at Twilio's pace (queue speed 1).
"""

from __future__ import annotations

import time

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from devtools.twilio_sandbox import RunningSandbox
from devtools.twilio_sandbox import messaging_v1 as v1
from devtools.twilio_sandbox.seed import ensure_phone
from tests.devtools.conftest import ACCOUNT_SID, API_KEY, API_SECRET
from tests.devtools.openapi import MESSAGE, error_validator, problems, validator
from tests.devtools.sandbox_receiver import Answer, WebhookReceiver
from tests.devtools.test_official_client import StandInHttpClient, wait_until_final

MAIN_LINE = "+15550100001"  # in "Clinic Reminders", campaign VERIFIED
FRONT_DESK = "+15550100002"  # in no Messaging Service
TOLL_FREE = "+18885550100"
MARIA = "+15550123456"
TORONTO = "+14165550123"  # Canada: not US-bound, 10DLC blocking leaves it alone
LONG_GSM = "a" * 1600  # 11 segments of 153 characters
LONG_UCS2 = "\u0436" * 1600  # 24 segments of 67 characters


@pytest.fixture
def client(sandbox: RunningSandbox) -> Client:
    return Client(API_KEY, API_SECRET, ACCOUNT_SID, http_client=StandInHttpClient(sandbox.url))


def queue_of(sandbox: RunningSandbox, sender: str) -> list[str]:
    """The sids waiting in a sender's line, in order."""
    senders = requests.get(f"{sandbox.url}/_sandbox/queue", timeout=5).json()["senders"]
    return list(senders.get(sender, {}).get("waiting", []))


def advance(sandbox: RunningSandbox, seconds: float) -> None:
    answer = requests.post(
        f"{sandbox.url}/_sandbox/queue/advance", params={"seconds": seconds}, timeout=5
    )
    assert answer.status_code == 200, answer.text


def status_of(client: Client, sid: str) -> str:
    return str(client.messages(sid).fetch().status)


def callbacks_of(receiver: WebhookReceiver, sid: str) -> list[dict[str, str]]:
    return [r.params() for r in receiver.requests_to("/status") if r.params()["MessageSid"] == sid]


# --- A2P 10DLC: 30034 --------------------------------------------------------------------------


def test_unregistered_long_code_is_accepted_then_fails_with_30034(
    client: Client, receiver: WebhookReceiver
) -> None:
    callback = f"{receiver.url}/status"
    message = client.messages.create(
        to=MARIA, from_=FRONT_DESK, body="Your results are in.", status_callback=callback
    )

    assert message.status == "queued" and message.error_code is None
    assert wait_until_final(client, message.sid) == "failed"
    failed = client.messages(message.sid).fetch()
    assert (failed.error_code, failed.error_message) == (
        30034,
        "Message from an Unregistered Number",
    )
    assert failed.date_sent is None and failed.price is None
    calls = receiver.wait_for("/status", 1)
    assert [(c.params()["MessageStatus"], c.params().get("ErrorCode")) for c in calls] == [
        ("failed", "30034")
    ]


def test_the_verified_main_line_delivers(client: Client) -> None:
    message = client.messages.create(to=MARIA, from_=MAIN_LINE, body="See you at 9.")

    assert wait_until_final(client, message.sid) == "delivered"


@pytest.mark.parametrize("status", [v1.PENDING, v1.FAILED])
def test_a_campaign_not_yet_verified_still_gets_30034_until_it_is(
    client: Client, sandbox: RunningSandbox, status: str
) -> None:
    store = sandbox.ctx.store
    service = v1.add_service(store, ACCOUNT_SID, "Front desk texts")
    v1.add_number(store, ACCOUNT_SID, service, FRONT_DESK)
    v1.set_campaign(store, ACCOUNT_SID, service, status)

    blocked = client.messages.create(to=MARIA, from_=FRONT_DESK, body="Hello")
    assert wait_until_final(client, blocked.sid) == "failed"
    assert client.messages(blocked.sid).fetch().error_code == 30034

    v1.set_campaign(store, ACCOUNT_SID, service, v1.VERIFIED)
    allowed = client.messages.create(to=MARIA, messaging_service_sid=service, body="Hello")
    assert allowed.from_ == FRONT_DESK
    assert wait_until_final(client, allowed.sid) == "delivered"


def test_toll_free_and_non_us_texts_are_not_blocked(
    client: Client, sandbox: RunningSandbox
) -> None:
    ensure_phone(sandbox.ctx.store, ACCOUNT_SID, TOLL_FREE, "Toll-free line")

    toll_free = client.messages.create(to=MARIA, from_=TOLL_FREE, body="From toll-free")
    to_canada = client.messages.create(to=TORONTO, from_=FRONT_DESK, body="To Toronto")

    assert wait_until_final(client, toll_free.sid) == "delivered"
    assert wait_until_final(client, to_canada.sid) == "delivered"


def test_a_twiml_reply_from_an_unregistered_line_fails_with_30034(
    sandbox: RunningSandbox, receiver: WebhookReceiver
) -> None:
    receiver.answer = Answer(body="<Response><Message>We got it.</Message></Response>")
    desk = sandbox.ctx.store.phone_by_number(FRONT_DESK)
    assert desk is not None
    sandbox.ctx.store.update_phone(desk.sid, {"sms_url": f"{receiver.url}/in"}, 0)

    result = requests.post(
        f"{sandbox.url}/_sandbox/inbound",
        json={"from": MARIA, "to": FRONT_DESK, "body": "Hello?"},
        timeout=10,
    ).json()

    reply = sandbox.ctx.store.message(result["replies"][0])
    assert reply is not None
    assert (reply.status, reply.error_code) == ("failed", 30034)


# --- pacing ------------------------------------------------------------------------------------


def test_a_long_code_sends_one_segment_a_second_and_later_texts_wait_queued_in_order(
    client: Client, sandbox: RunningSandbox
) -> None:
    first = client.messages.create(to=MARIA, from_=MAIN_LINE, body=LONG_UCS2)
    second = client.messages.create(to=MARIA, from_=MAIN_LINE, body=LONG_GSM)
    third = client.messages.create(to=MARIA, from_=MAIN_LINE, body="Short one")

    assert (first.num_segments, second.num_segments) == ("24", "11")
    assert wait_until_final(client, first.sid) == "delivered"
    assert queue_of(sandbox, MAIN_LINE) == [second.sid, third.sid]
    assert status_of(client, second.sid) == "queued"

    advance(sandbox, 12)  # the first one's 24 segments are not through yet
    time.sleep(0.2)
    assert queue_of(sandbox, MAIN_LINE) == [second.sid, third.sid]

    advance(sandbox, 12)  # 24 s: the second leaves; the third waits for its 11 segments
    assert wait_until_final(client, second.sid) == "delivered"
    assert status_of(client, third.sid) == "queued"
    assert queue_of(sandbox, MAIN_LINE) == [third.sid]

    advance(sandbox, 11)
    assert wait_until_final(client, third.sid) == "delivered"
    assert queue_of(sandbox, MAIN_LINE) == []
    sent = [client.messages(m.sid).fetch().date_sent for m in (first, second, third)]
    assert sent == sorted(sent)  # type: ignore[type-var]


def test_each_sender_has_its_own_line(client: Client, sandbox: RunningSandbox) -> None:
    client.messages.create(to=MARIA, from_=MAIN_LINE, body=LONG_UCS2)
    behind = client.messages.create(to=MARIA, from_=MAIN_LINE, body="Behind the long one")
    ensure_phone(sandbox.ctx.store, ACCOUNT_SID, TOLL_FREE, "Toll-free line")
    other = client.messages.create(to=MARIA, from_=TOLL_FREE, body="Another line")

    assert wait_until_final(client, other.sid) == "delivered"
    assert status_of(client, behind.sid) == "queued"


# --- ValidityPeriod ----------------------------------------------------------------------------


def test_a_text_that_waits_past_its_validity_period_fails_with_30001(
    client: Client, sandbox: RunningSandbox, receiver: WebhookReceiver
) -> None:
    client.messages.create(to=MARIA, from_=MAIN_LINE, body=LONG_UCS2)
    stale = client.messages.create(
        to=MARIA,
        from_=MAIN_LINE,
        body="Your table is ready",
        validity_period=5,
        status_callback=f"{receiver.url}/status",
    )
    patient = client.messages.create(to=MARIA, from_=MAIN_LINE, body="No hurry")

    advance(sandbox, 24)  # their turn comes at 24 s: 19 s past the 5 s validity

    assert wait_until_final(client, stale.sid) == "failed"
    expired = client.messages(stale.sid).fetch()
    assert (expired.error_code, expired.date_sent) == (30001, None)
    receiver.wait_for("/status", 1)
    assert [(c["MessageStatus"], c["ErrorCode"]) for c in callbacks_of(receiver, stale.sid)] == [
        ("failed", "30001")
    ]
    # The expired text took no time from the line: the next one left at once.
    assert wait_until_final(client, patient.sid) == "delivered"


def test_a_line_over_ten_hours_refuses_direct_sends_and_expires_service_sends(
    client: Client, sandbox: RunningSandbox
) -> None:
    # Ten hours and a second of segments already wait in the Main line (a big batch).
    sandbox.ctx.queue.add(MAIN_LINE, "SM" + "0" * 32, MARIA, 36_001, 36_000)
    service = client.messaging.v1.services.list()[0]

    with pytest.raises(TwilioRestException) as refused:
        client.messages.create(to=MARIA, from_=MAIN_LINE, body="One more")
    assert (refused.value.status, refused.value.code) == (400, 21611)

    accepted = client.messages.create(to=MARIA, messaging_service_sid=service.sid, body="Later")
    assert accepted.status == "queued"
    assert service.validity_period == 36_000  # the service's (default) validity period
    advance(sandbox, 36_002)
    assert wait_until_final(client, accepted.sid) == "failed"
    assert client.messages(accepted.sid).fetch().error_code == 30001


@pytest.mark.parametrize("validity", ["0", "36001", "ten"])
def test_a_validity_period_outside_1_to_36000_is_21624(
    sandbox: RunningSandbox, validity: str
) -> None:
    answer = requests.post(
        f"{sandbox.rest_base}Messages.json",
        data={"To": MARIA, "From": MAIN_LINE, "Body": "x", "ValidityPeriod": validity},
        auth=(API_KEY, API_SECRET),
        timeout=5,
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == 21624
    assert problems(error_validator(), answer.json()) == []


def test_failed_and_queued_texts_conform_to_twilios_schema(
    client: Client, sandbox: RunningSandbox
) -> None:
    blocked = client.messages.create(to=MARIA, from_=FRONT_DESK, body="Blocked")
    client.messages.create(to=MARIA, from_=MAIN_LINE, body=LONG_UCS2)
    waiting = client.messages.create(to=MARIA, from_=MAIN_LINE, body="Waiting", validity_period=1)
    queued = requests.get(
        f"{sandbox.rest_base}Messages/{waiting.sid}.json", auth=(API_KEY, API_SECRET), timeout=5
    ).json()
    advance(sandbox, 30)
    wait_until_final(client, blocked.sid)
    wait_until_final(client, waiting.sid)

    for sid, expected in ((blocked.sid, 30034), (waiting.sid, 30001)):
        body = requests.get(
            f"{sandbox.rest_base}Messages/{sid}.json", auth=(API_KEY, API_SECRET), timeout=5
        ).json()
        assert (body["status"], body["error_code"]) == ("failed", expected)
        assert problems(validator(MESSAGE), body) == []
    assert queued["status"] == "queued"
    assert problems(validator(MESSAGE), queued) == []


# --- 429 bursts --------------------------------------------------------------------------------


def test_the_fault_switch_answers_429_to_one_request_in_three_until_cleared(
    client: Client, sandbox: RunningSandbox
) -> None:
    sid = client.messages.list(limit=1)[0].sid
    faults = f"{sandbox.url}/_sandbox/faults"
    plan = requests.post(faults, json={"failStatus": 429, "failEvery": 3}, timeout=5).json()
    assert plan["failEvery"] == 3

    outcomes = []
    for _ in range(6):
        try:
            client.messages(sid).fetch()
            outcomes.append(200)
        except TwilioRestException as busy:
            assert busy.code == 20429
            outcomes.append(busy.status)
    requests.delete(faults, timeout=5)
    after = [client.messages(sid).fetch().sid for _ in range(3)]

    assert outcomes == [200, 200, 429, 200, 200, 429]
    assert after == [sid] * 3


# --- admin: registering a line -------------------------------------------------------------------


def test_a_line_registered_through_the_admin_endpoint_delivers(
    client: Client, sandbox: RunningSandbox
) -> None:
    bad = requests.post(
        f"{sandbox.url}/_sandbox/services", json={"name": "X", "campaign": "MAYBE"}, timeout=5
    )
    made = requests.post(
        f"{sandbox.url}/_sandbox/services",
        json={"name": "Front desk texts", "numbers": [FRONT_DESK], "campaign": "VERIFIED"},
        timeout=5,
    )

    assert bad.status_code == 400
    assert made.status_code == 200
    numbers = client.messaging.v1.services(made.json()["sid"]).phone_numbers.list()
    assert [n.phone_number for n in numbers] == [FRONT_DESK]
    message = client.messages.create(to=MARIA, from_=FRONT_DESK, body="Registered now")
    assert wait_until_final(client, message.sid) == "delivered"
