"""Messaging Services through the real runner and the stand-in's Messaging v1 API."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from uuid import uuid4

import pytest
import requests

from devtools import demo_data
from devtools.bench_client import PluginDriver, SandboxAdmin, public_base_url
from devtools.stack import LocalStack

pytestmark = pytest.mark.runner

MAIN_LINE = demo_data.MAIN_LINE.phone_number
MARIAS_MOBILE = demo_data.MARIA.phones[0].value
NO_CHART = "+15550144444"  # on no chart: the sends confirm no consent
STOPPER = "+15550144445"


@pytest.fixture(scope="module")
def plugin(local_stack: LocalStack) -> Iterator[PluginDriver]:
    yield PluginDriver(local_stack.runner, demo_data.AUTH_TOKEN, public_base_url())


def test_readiness_verdicts_of_the_demo_numbers(plugin: PluginDriver) -> None:
    result = plugin.get("/phone_readiness", {"refresh": 1})

    assert result.status == 200, result.body
    verdicts = {item["phoneNumber"]: item for item in result.json()["readiness"]}
    assert verdicts[MAIN_LINE]["text"] == (
        "Ready for US texting (campaign VERIFIED in service Clinic Reminders)."
    )
    others = [item for number, item in verdicts.items() if number != MAIN_LINE]
    assert others and all(item["verdict"] == "blocked" for item in others)
    assert plugin.get("/phone_readiness").json()["cached"] is True


def test_a_send_through_the_service_reaches_the_patient_from_the_main_line(
    plugin: PluginDriver,
) -> None:
    service = plugin.get("/phone_readiness").json()["services"][0]
    text = f"Your lab results are ready [{uuid4().hex[:8]}]"

    sent = plugin.post_json(
        "/sms_send",
        {
            "clientRequestId": uuid4().hex,
            "messagingServiceSid": service["sid"],
            "numberTo": MARIAS_MOBILE,
            "text": text,
            "callbackUrl": "",
            "patientId": demo_data.MARIA.key,
        },
    )

    assert sent.status == 201, sent.body
    sid = sent.json()["message"]["sid"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        thread = plugin.get(f"/patients/{demo_data.MARIA.key}/thread", {"markRead": 0}).json()
        shown = next(m for m in thread["messages"] if m["sid"] == sid)
        if shown["status"] == "delivered":
            break
        time.sleep(0.2)
    assert shown["status"] == "delivered"
    assert shown["body"] == text
    assert shown["practiceNumber"] == MAIN_LINE


def schedule(plugin: PluginDriver, service_sid: str, to: str, minutes: int) -> str:
    when = (datetime.now(UTC) + timedelta(minutes=minutes)).astimezone(
        timezone(timedelta(hours=-5))
    )
    sent = plugin.post_json(
        "/sms_send",
        {
            "clientRequestId": uuid4().hex,
            "messagingServiceSid": service_sid,
            "numberTo": to,
            "text": f"Reminder [{uuid4().hex[:8]}]",
            "callbackUrl": "",
            "confirmNoConsent": True,
            "sendAt": when.isoformat(timespec="seconds"),
        },
    )
    assert sent.status == 201, sent.body
    assert sent.json()["message"]["status"] == "scheduled"
    return str(sent.json()["message"]["sid"])


def twilio_status(plugin: PluginDriver, sid: str) -> str:
    return str(plugin.get(f"/message/{sid}").json()["message"]["status"])


def test_schedule_then_cancel_then_release_sends_nothing(
    plugin: PluginDriver, local_stack: LocalStack
) -> None:
    service = plugin.get("/phone_readiness").json()["services"][0]
    sid = schedule(plugin, service["sid"], NO_CHART, 90)

    canceled = plugin.post_json(f"/message_cancel/{sid}", {})
    again = plugin.post_json(f"/message_cancel/{sid}", {})
    released = requests.post(
        f"{local_stack.sandbox_url}/_sandbox/scheduled/release?advanceSeconds=6000", timeout=10
    ).json()

    assert canceled.status == 200 and canceled.json()["status"] == "canceled"
    assert again.status == 409 and again.json()["error"]["twilioCode"] == 30409
    assert sid not in released["released"]
    assert twilio_status(plugin, sid) == "canceled"


def test_a_stop_cancels_the_patients_scheduled_text(plugin: PluginDriver) -> None:
    service = plugin.get("/phone_readiness").json()["services"][0]
    sid = schedule(plugin, service["sid"], STOPPER, 60)

    answer = plugin.inbound(STOPPER, MAIN_LINE, "STOP")

    assert answer.status == 200
    assert twilio_status(plugin, sid) == "canceled"
    plugin.inbound(STOPPER, MAIN_LINE, "START")  # leave the stack as it was


def test_a_burst_of_429s_is_ridden_out_and_the_text_sent_once(
    plugin: PluginDriver, local_stack: LocalStack
) -> None:
    admin = SandboxAdmin(local_stack.sandbox_url)
    text = f"Busy Twilio [{uuid4().hex[:8]}]"
    service_sid = plugin.get("/phone_readiness").json()["services"][0]["sid"]
    admin.reset_stats()
    requests.post(
        f"{local_stack.sandbox_url}/_sandbox/faults",
        json={"delayMs": 0, "failStatus": 429, "failCount": 2},
        timeout=10,
    ).raise_for_status()
    try:
        sent = plugin.post_json(
            "/sms_send",
            {
                "clientRequestId": uuid4().hex,
                "messagingServiceSid": service_sid,
                "numberTo": NO_CHART,
                "text": text,
                "callbackUrl": "",
                "confirmNoConsent": True,
            },
        )
    finally:
        admin.clear_faults()

    assert sent.status == 201, sent.body
    assert admin.stats().get("POST Messages.json") == 3  # two 429s, then the one accepted send
    page = plugin.get(f"/message_list/{MAIN_LINE}/from").json()["messages"]
    assert [m["bodyPreview"] for m in page].count(text) == 1
