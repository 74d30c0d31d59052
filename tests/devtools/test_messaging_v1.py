"""The stand-in's Messaging v1 API, driven by Twilio's official library (`twilio`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from devtools.twilio_sandbox import RunningSandbox
from devtools.twilio_sandbox import messaging_v1 as v1
from tests.devtools.conftest import ACCOUNT_SID, API_KEY, API_SECRET
from tests.devtools.test_official_client import StandInHttpClient, wait_until_final

MAIN_LINE = "+15550100001"
FRONT_DESK = "+15550100002"
MARIA = "+15550123456"


@pytest.fixture
def client(sandbox: RunningSandbox) -> Client:
    return Client(API_KEY, API_SECRET, ACCOUNT_SID, http_client=StandInHttpClient(sandbox.url))


def test_demo_service_holds_the_main_line_with_a_verified_campaign(client: Client) -> None:
    services = client.messaging.v1.services.list()

    assert [service.friendly_name for service in services] == ["Clinic Reminders"]
    service = services[0]
    assert service.sid.startswith("MG")
    assert service.sticky_sender is True
    numbers = client.messaging.v1.services(service.sid).phone_numbers.list()
    assert [number.phone_number for number in numbers] == [MAIN_LINE]
    campaigns = client.messaging.v1.services(service.sid).us_app_to_person.list()
    assert [(c.campaign_status, c.us_app_to_person_usecase) for c in campaigns] == [
        ("VERIFIED", "ACCOUNT_NOTIFICATION")
    ]
    assert client.http_client.hosts[0] == "messaging.twilio.com"  # type: ignore[attr-defined]


def test_campaign_status_changes_and_unknown_service_is_404(
    client: Client, sandbox: RunningSandbox
) -> None:
    service_sid = v1.add_service(sandbox.ctx.store, ACCOUNT_SID, "Front desk texts")
    v1.add_number(sandbox.ctx.store, ACCOUNT_SID, service_sid, FRONT_DESK)
    v1.set_campaign(sandbox.ctx.store, ACCOUNT_SID, service_sid, v1.PENDING)

    campaigns = client.messaging.v1.services(service_sid).us_app_to_person.list()

    assert [c.campaign_status for c in campaigns] == ["PENDING"]
    assert len(client.messaging.v1.services.list()) == 2
    with pytest.raises(TwilioRestException) as missing:
        client.messaging.v1.services("MG" + "0" * 32).fetch()
    assert missing.value.status == 404


def test_v1_needs_credentials(sandbox: RunningSandbox) -> None:
    answer = requests.get(f"{sandbox.url}/v1/Services", timeout=5)

    assert answer.status_code == 401
    assert answer.json()["code"] == 20003


def test_a_send_through_the_service_goes_from_its_number(client: Client) -> None:
    service = client.messaging.v1.services.list()[0]

    message = client.messages.create(to=MARIA, messaging_service_sid=service.sid, body="Hi")

    assert message.from_ == MAIN_LINE
    assert client.messages(message.sid).fetch().from_ == MAIN_LINE


def test_a_send_through_an_empty_service_is_21704(client: Client, sandbox: RunningSandbox) -> None:
    empty = v1.add_service(sandbox.ctx.store, ACCOUNT_SID, "Empty")

    with pytest.raises(TwilioRestException) as refused:
        client.messages.create(to=MARIA, messaging_service_sid=empty, body="Hi")

    assert refused.value.code == 21704


def in_minutes(minutes: float) -> datetime:
    return datetime.now(UTC) + timedelta(minutes=minutes)


def test_a_scheduled_message_waits_then_leaves_when_released(
    client: Client, sandbox: RunningSandbox
) -> None:
    service = client.messaging.v1.services.list()[0]

    message = client.messages.create(
        to=MARIA,
        messaging_service_sid=service.sid,
        body="Reminder",
        schedule_type="fixed",
        send_at=in_minutes(60),
    )

    assert message.status == "scheduled"
    early = requests.post(f"{sandbox.url}/_sandbox/scheduled/release", timeout=5).json()
    assert early == {"released": [], "waiting": 1}
    later = requests.post(
        f"{sandbox.url}/_sandbox/scheduled/release?advanceSeconds=3601", timeout=5
    ).json()
    assert later["released"] == [message.sid]
    assert wait_until_final(client, message.sid) == "delivered"


def test_the_15_minute_35_day_window_is_35114(client: Client) -> None:
    service = client.messaging.v1.services.list()[0]
    for minutes in (10, 35 * 24 * 60 + 5):
        with pytest.raises(TwilioRestException) as refused:
            client.messages.create(
                to=MARIA,
                messaging_service_sid=service.sid,
                body="Reminder",
                schedule_type="fixed",
                send_at=in_minutes(minutes),
            )
        assert refused.value.code == 35114


def test_a_schedule_without_a_service_is_dropped_and_sent_at_once(client: Client) -> None:
    message = client.messages.create(
        to=MARIA, from_=MAIN_LINE, body="Now", schedule_type="fixed", send_at=in_minutes(60)
    )

    assert message.status == "queued"


def test_cancel_only_while_scheduled(client: Client) -> None:
    service = client.messaging.v1.services.list()[0]
    message = client.messages.create(
        to=MARIA,
        messaging_service_sid=service.sid,
        body="Reminder",
        schedule_type="fixed",
        send_at=in_minutes(120),
    )

    canceled = client.messages(message.sid).update(status="canceled")

    assert canceled.status == "canceled"
    with pytest.raises(TwilioRestException) as again:
        client.messages(message.sid).update(status="canceled")
    assert again.value.code == 30409
