"""The app's unread badge on the chart, as Canvas shows it, and the app's read state.

The patient texts the practice through the stand-in; the plugin's inbound webhook sets the
badge (SET_APPLICATION_NOTIFICATION_BADGE), the chart preview pushes it to the chart page,
and the clinician's look at the Send tab clears it. Nothing reloads the page while a test
waits, except where a test checks the initial count.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Locator, Response, expect

from devtools import demo_data
from devtools.stack import LocalStack
from tests.browser.conftest import SCREENSHOT_DIR, ChartSession, OpenChart

pytestmark = pytest.mark.browser

MAIN_LINE = demo_data.MAIN_LINE.phone_number
MARIA_MOBILE = demo_data.MARIA.phones[0].value
LIVE_TIMEOUT_MS = 10_000
# The clinician looks at the thread: the app marks the burst read after a short debounce.
READ_TIMEOUT_MS = 3_000


def maria_texts(stack: LocalStack, body: str) -> None:
    """Maria's mobile texts the Main line (the stand-in calls the plugin's inbound webhook)."""
    reply = requests.post(
        f"{stack.sandbox_url}/_sandbox/inbound",
        json={"from": MARIA_MOBILE, "to": MAIN_LINE, "body": body},
        timeout=15,
    )
    reply.raise_for_status()
    assert reply.json()["webhookStatus"] == 200, reply.json()


def unique(text: str) -> str:
    return f"{text} [{uuid.uuid4().hex[:8]}]"


def chart_badge(chart: ChartSession) -> Locator:
    """The unread pill on the SMS Twilio launcher, in the chart page (outside the app)."""
    return chart.page.get_by_test_id("app-badge")


def bubble(chart: ChartSession, text: str) -> Locator:
    return chart.tid("thread-message").filter(
        has=chart.app.get_by_test_id("bubble-body").get_by_text(text, exact=True)
    )


def is_read_call(response: Response) -> bool:
    """The app's POST /patients/<Maria>/read (the clinician saw the thread)."""
    request = response.request
    return request.method == "POST" and request.url.endswith(
        f"/patients/{demo_data.MARIA.key}/read"
    )


def open_live_chart(open_chart: OpenChart) -> ChartSession:
    """Maria's chart with the app's thread live and the chart's badge socket open."""
    chart = open_chart(demo_data.MARIA.key)
    expect(chart.tid("tab-send")).to_have_attribute("aria-selected", "true")
    expect(chart.tid("live-state")).to_have_attribute("data-state", "live")
    expect(chart.page.locator("body")).to_have_attribute("data-badge-socket", "open")
    return chart


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """docs/screenshots/ when UPDATE_SCREENSHOTS=1, else a temporary folder (tree stays clean)."""
    return SCREENSHOT_DIR if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path


def test_a_text_while_the_log_is_shown_badges_the_chart_until_the_send_tab_shows(
    local_stack: LocalStack, main_line_to_plugin: str, open_chart: OpenChart, shots: Path
) -> None:
    chart = open_live_chart(open_chart)
    badge = chart_badge(chart)
    expect(badge).to_be_hidden()  # opening the app read everything
    expect(chart.page.get_by_test_id("app-launcher")).to_contain_text("SMS Twilio")
    chart.tab("log")
    expect(chart.tid("tab-send-new")).to_be_hidden()

    first = unique("Can I move my appointment?")
    maria_texts(local_stack, first)

    expect(badge).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(badge).to_have_text("1")
    expect(badge).to_have_attribute("data-count", "1")
    expect(chart.tid("tab-send-new")).to_be_visible()
    # Stays unread while the clinician keeps looking at the Log.
    chart.page.wait_for_timeout(1_000)
    expect(badge).to_have_text("1")
    chart.screenshot("chart-badge.png", directory=shots)

    # Showing the thread marks it read (its refresh, then the debounced POST /read). Waiting
    # for the POST keeps it from racing the next text in the runner's worker threads.
    with chart.page.expect_response(is_read_call, timeout=LIVE_TIMEOUT_MS):
        chart.tab("send")
    message = bubble(chart, first)
    expect(message).to_be_visible()
    expect(message).to_have_attribute("data-direction", "inbound")
    divider = chart.tid("thread-new-divider")
    expect(divider).to_be_visible()
    expect(divider).to_have_text("New")
    assert divider.evaluate(
        "(node) => node.nextElementSibling && node.nextElementSibling.dataset.sid"
    ) == message.get_attribute("data-sid")
    expect(chart.tid("tab-send-new")).to_be_hidden()
    expect(badge).to_be_hidden(timeout=READ_TIMEOUT_MS)
    expect(badge).to_have_attribute("data-count", "0")

    # A text while the thread is on screen is read at once: the badge is 0 again in moments.
    second = unique("Thanks, see you then")
    with chart.page.expect_response(is_read_call, timeout=LIVE_TIMEOUT_MS) as read:
        maria_texts(local_stack, second)
    assert read.value.status == 200 and read.value.json()["unread"] == 0
    expect(bubble(chart, second)).to_be_visible()
    expect(badge).to_be_hidden(timeout=READ_TIMEOUT_MS)
    expect(badge).to_have_attribute("data-count", "0")
    expect(chart.tid("tab-send-new")).to_be_hidden()

    # Leaving the Send tab after seeing the texts removes the New divider.
    chart.tab("log")
    expect(chart.tid("thread-new-divider")).to_have_count(0)

    chart.reload()
    expect(chart.page.locator("body")).to_have_attribute("data-badge-socket", "open")
    expect(badge).to_have_attribute("data-count", "0")
    expect(badge).to_be_hidden()
    chart.assert_clean()


def test_the_initial_badge_counts_texts_nobody_has_read(
    local_stack: LocalStack, main_line_to_plugin: str, open_chart: OpenChart
) -> None:
    chart = open_live_chart(open_chart)
    chart.tab("log")
    maria_texts(local_stack, unique("Are you open on Saturday?"))
    maria_texts(local_stack, unique("Or Sunday?"))
    expect(chart_badge(chart)).to_have_text("2", timeout=LIVE_TIMEOUT_MS)

    # What Canvas asks when it draws the launcher (before the app's own open marks them read).
    assert local_stack.runner.notification_badge(demo_data.MARIA.key, demo_data.STAFF.key) == 2

    with chart.page.expect_response(is_read_call, timeout=LIVE_TIMEOUT_MS):
        chart.tab("send")
    expect(chart_badge(chart)).to_be_hidden(timeout=READ_TIMEOUT_MS)
    assert local_stack.runner.notification_badge(demo_data.MARIA.key, demo_data.STAFF.key) == 0
    chart.assert_clean()
