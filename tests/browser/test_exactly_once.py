"""Every send goes out once: a double click posts once, and a send whose answer was lost is held
until the plugin knows what became of it (issue 8), as the clinician sees it in the Send tab."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Locator, Request, expect

from devtools import demo_data
from devtools.stack import LocalStack
from tests.browser.app_steps import choose_recipient, choose_sender
from tests.browser.conftest import ChartSession, OpenChart
from tests.browser.stand_in import MAIN, MARIA_MOBILE, sandbox_messages

pytestmark = pytest.mark.browser

SID = re.compile(r"^SM[0-9a-f]{32}$")
RESOLVE_TIMEOUT_MS = 20_000
SLOW_TWILIO_MS = 800


def set_faults(stack: LocalStack, **plan: int) -> dict[str, Any]:
    reply = requests.post(f"{stack.sandbox_url}/_sandbox/faults", json=plan, timeout=5)
    reply.raise_for_status()
    return dict(reply.json())


def twilio_sends(stack: LocalStack) -> int:
    """How many message POSTs reached the Twilio stand-in since the last reset."""
    stats = requests.get(f"{stack.sandbox_url}/_sandbox/stats", timeout=5).json()
    return int(stats["byRoute"].get("POST Messages.json", 0))


@pytest.fixture
def faults(local_stack: LocalStack) -> Iterator[LocalStack]:
    """The stand-in with no faults and fresh counters; faults are cleared afterwards."""
    requests.delete(f"{local_stack.sandbox_url}/_sandbox/faults", timeout=5)
    yield local_stack
    requests.delete(f"{local_stack.sandbox_url}/_sandbox/faults", timeout=5)


def ready_to_send(open_chart: OpenChart, body: str) -> ChartSession:
    """Maria's chart, live, with a draft to her mobile from the Main line."""
    chart = open_chart(demo_data.MARIA.key)
    chart.tab("send")
    expect(chart.tid("live-state")).to_have_attribute("data-state", "live")
    choose_recipient(chart, MARIA_MOBILE)
    choose_sender(chart, MAIN)
    chart.tid("send-text").fill(body)
    expect(chart.tid("send-button")).to_be_enabled()
    return chart


def bubbles(chart: ChartSession, body: str) -> Locator:
    return chart.tid("thread-message").filter(
        has=chart.app.get_by_test_id("bubble-body").get_by_text(body, exact=True)
    )


def test_a_double_click_on_send_texts_the_patient_once(
    faults: LocalStack, open_chart: OpenChart
) -> None:
    body = f"Your results are ready [{uuid.uuid4().hex[:8]}]"
    chart = ready_to_send(open_chart, body)
    posts: list[Request] = []
    chart.page.on(
        "request",
        lambda request: (
            posts.append(request)
            if request.method == "POST" and request.url.endswith("/sms_send")
            else None
        ),
    )
    # Twilio answers slowly, so both clicks land while the first send is on its way.
    set_faults(faults, delayMs=SLOW_TWILIO_MS)
    requests.delete(f"{faults.sandbox_url}/_sandbox/stats", timeout=5)

    chart.tid("send-button").dblclick()
    expect(chart.tid("send-button")).to_be_disabled()
    expect(chart.tid("send-button")).to_have_text("Sending…")
    # A second submit in the same moment (a script, a key repeat) is refused too.
    chart.app_frame().evaluate(
        "() => { const form = document.getElementById('send-form');"
        " form.requestSubmit(); form.requestSubmit(); }"
    )

    expect(chart.tid("send-sid")).to_have_text(SID)
    expect(bubbles(chart, body)).to_have_count(1)
    chart.page.wait_for_timeout(SLOW_TWILIO_MS * 2)
    assert len(posts) == 1, [post.post_data for post in posts]
    assert twilio_sends(faults) == 1
    stored = [m for m in sandbox_messages(faults, to=MARIA_MOBILE, limit=50) if m["body"] == body]
    assert len(stored) == 1, stored
    assert (posts[0].post_data_json or {}).get("clientRequestId"), posts[0].post_data
    expect(chart.tid("send-text")).to_have_value("")
    chart.assert_clean()


def test_a_send_whose_answer_was_lost_is_held_then_resolved(
    faults: LocalStack, open_chart: OpenChart
) -> None:
    body = f"Please call the clinic [{uuid.uuid4().hex[:8]}]"
    chart = ready_to_send(open_chart, body)
    # Twilio stores the next message, then the connection drops before its answer.
    set_faults(faults, dropAfterAccept=1)
    requests.delete(f"{faults.sandbox_url}/_sandbox/stats", timeout=5)

    chart.tid("send-button").click()

    bubble = bubbles(chart, body)
    expect(bubble).to_have_count(1)
    expect(bubble.get_by_test_id("bubble-status")).to_have_attribute("data-status", "unknown")
    expect(bubble.get_by_test_id("bubble-notice")).to_contain_text(
        "May have been sent: check the conversation"
    )
    expect(chart.tid("send-unknown")).to_contain_text("may have been sent")
    # The draft stays, but sending it again is blocked while nobody knows whether it left.
    expect(chart.tid("send-text")).to_have_value(body)
    expect(chart.tid("send-button")).to_be_disabled()

    # The app re-reads the thread; the plugin looks the send up at Twilio and resolves it.
    expect(bubble).to_have_attribute("data-sid", SID, timeout=RESOLVE_TIMEOUT_MS)
    expect(bubble.get_by_test_id("bubble-status")).not_to_have_attribute("data-status", "unknown")
    expect(bubble.get_by_test_id("bubble-notice")).to_have_count(0)
    expect(chart.tid("send-sid")).to_have_text(bubble.get_attribute("data-sid") or "")
    expect(chart.tid("send-text")).to_have_value("")
    assert twilio_sends(faults) == 1, "the app or the plugin posted the text again"
    stored = [m for m in sandbox_messages(faults, to=MARIA_MOBILE, limit=50) if m["body"] == body]
    assert len(stored) == 1, stored
    chart.assert_clean()
