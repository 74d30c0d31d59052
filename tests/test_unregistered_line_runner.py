"""A text from a line outside every verified A2P campaign, through the real runner.

The demo's SMS line (+15550100002) is in no Messaging Service, so the Phones tab calls it
blocked; a clinician may still send from it. Twilio (the stand-in) accepts the text (201,
queued) and then fails it with 30034; the thread shows it failed, with the plugin's words.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from uuid import uuid4

import pytest

from devtools import demo_data
from devtools.bench_client import PluginDriver, phone_sids, public_base_url
from devtools.stack import LocalStack
from twilio_sms_mms.constants.error_codes import explain_error

pytestmark = pytest.mark.runner

SMS_LINE = demo_data.SMS_LINE.phone_number
MARIA = demo_data.MARIA
MARIAS_MOBILE = MARIA.phones[0].value


@pytest.fixture(scope="module")
def plugin(local_stack: LocalStack) -> Iterator[PluginDriver]:
    yield PluginDriver(local_stack.runner, demo_data.AUTH_TOKEN, public_base_url())


def test_a_text_from_the_unregistered_line_shows_failed_with_30034_in_the_thread(
    plugin: PluginDriver,
) -> None:
    readiness = plugin.get("/phone_readiness").json()["readiness"]
    assert next(r for r in readiness if r["phoneNumber"] == SMS_LINE)["verdict"] == "blocked"
    text = f"Your forms are ready [{uuid4().hex[:8]}]"

    sent = plugin.send(
        SMS_LINE,
        phone_sids(plugin.phone_list())[SMS_LINE],
        MARIAS_MOBILE,
        text,
        patient_id=MARIA.key,
    )

    assert sent.status == 201, sent.body
    assert sent.json()["message"]["status"] == "queued"
    sid = sent.json()["message"]["sid"]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        thread = plugin.get(f"/patients/{MARIA.key}/thread", {"markRead": 0}).json()
        shown = next(m for m in thread["messages"] if m["sid"] == sid)
        if shown["status"] == "failed":
            break
        time.sleep(0.2)
    assert (shown["status"], shown["errorCode"]) == ("failed", 30034)
    assert shown["errorExplanation"] == explain_error(30034)
    assert "A2P 10DLC" in shown["errorExplanation"]
    assert (shown["body"], shown["practiceNumber"]) == (text, SMS_LINE)
