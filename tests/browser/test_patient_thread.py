"""The Send tab as a conversation with the chart's patient, checked as the clinician sees it.

Real stack: the plugin in `canvas run-plugin`, the Twilio stand-in, the chart preview with its
WebSocket fan-out, Debian's Chromium. Patients text the practice through the stand-in's
`POST /_sandbox/inbound`; nothing reloads the page while a test waits for a bubble.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Locator, ViewportSize, WebSocketRoute, expect

from devtools import demo_data
from devtools.stack import LocalStack
from tests.browser.app_steps import national
from tests.browser.conftest import SCREENSHOT_DIR, ChartSession, OpenChart
from tests.browser.media_files import payload, png

pytestmark = pytest.mark.browser

MAIN_LINE = demo_data.MAIN_LINE
SMS_LINE = demo_data.SMS_LINE
MARIA_MOBILE = demo_data.MARIA.phones[0].value
JOHN_MOBILE = demo_data.JOHN.phones[0].value
HOSTILE_BODY = '<img src=x onerror="window.__xss=1">'
LIVE_TIMEOUT_MS = 10_000
# Sizes the chart so the app's pane is about 450 x 800, as in Canvas's right pane.
PANE_VIEWPORT: ViewportSize = {"width": 731, "height": 933}


def patient_texts(stack: LocalStack, body: str, sender: str = MARIA_MOBILE) -> None:
    """The patient's phone texts the Main line (the stand-in calls the plugin's webhook)."""
    reply = requests.post(
        f"{stack.sandbox_url}/_sandbox/inbound",
        json={"from": sender, "to": MAIN_LINE.phone_number, "body": body},
        timeout=15,
    )
    reply.raise_for_status()
    assert reply.json()["webhookStatus"] == 200, reply.json()


def open_thread(open_chart: OpenChart, patient_key: str) -> ChartSession:
    """A patient's chart with the Send tab shown and the conversation loaded and live."""
    chart = open_chart(patient_key, viewport=PANE_VIEWPORT)
    chart.tab("send")
    expect(chart.tid("live-state")).to_have_attribute("data-state", "live")
    return chart


def send_from(chart: ChartSession, number: demo_data.PracticeNumber) -> None:
    """Choose a practice number in the From picker (labels at Twilio may differ from ours)."""
    option = chart.tid("send-from").locator(f'option[data-number="{number.phone_number}"]')
    chart.tid("send-from").select_option(value=option.get_attribute("value"))


def chart_number(chart: ChartSession, number: str) -> Locator:
    """The To picker's option for one of the chart's numbers."""
    return chart.app.locator(f'[data-testid="send-to-option"][data-number="{number}"]')


def bubble(chart: ChartSession, text: str) -> Locator:
    """The thread bubble whose body is exactly `text`."""
    return chart.tid("thread-message").filter(
        has=chart.app.get_by_test_id("bubble-body").get_by_text(text, exact=True)
    )


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """docs/screenshots/ when UPDATE_SCREENSHOTS=1, else a temporary folder (tree stays clean)."""
    return SCREENSHOT_DIR if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path


def pane_screenshot(chart: ChartSession, name: str, directory: Path) -> None:
    """Save the app's pane (about 450 x 800)."""
    chart.screenshot(name, chart.page.locator("#app-frame"), directory)


@pytest.fixture
def maria_texts_main_line(local_stack: LocalStack, main_line_to_plugin: str) -> Iterator[None]:
    """Maria can text the plugin; whatever a test sends, she ends opted in (START)."""
    yield
    patient_texts(local_stack, "START")


def test_marias_thread_opens_with_her_mobile_and_a_sent_text_turns_delivered(
    open_chart: OpenChart, shots: Path
) -> None:
    chart = open_thread(open_chart, demo_data.MARIA.key)

    expect(chart.tid("thread")).to_be_visible()
    mobile = chart_number(chart, MARIA_MOBILE)
    expect(mobile).to_contain_text(national(MARIA_MOBILE))
    expect(mobile.get_by_test_id("send-to-choice")).to_be_checked()
    expect(mobile.get_by_test_id("send-to-badge").first).to_have_text("mobile")
    expect(chart.tid("send-to")).to_be_hidden()

    send_from(chart, MAIN_LINE)
    replies = chart.tid("quick-reply")
    if replies.count():
        replies.first.click()
        expect(chart.tid("send-text")).to_have_value(re.compile(r"\bMaria\b"))
        text = chart.tid("send-text").input_value() + f" [{uuid.uuid4().hex[:6]}]"
    else:
        text = f"Hello Maria, see you tomorrow [{uuid.uuid4().hex[:6]}]"
    chart.tid("send-text").fill(text)
    chart.tid("send-button").click()

    sent = bubble(chart, text)
    expect(sent).to_have_attribute("data-direction", "outbound")
    expect(sent.get_by_test_id("bubble-status")).to_have_attribute(
        "data-status", "delivered", timeout=LIVE_TIMEOUT_MS
    )
    expect(chart.tid("send-sid")).to_have_text(sent.get_attribute("data-sid") or "")
    pane_screenshot(chart, "thread-sent-delivered.png", shots)
    chart.assert_clean()


def test_a_picture_sent_to_maria_shows_in_its_bubble(open_chart: OpenChart) -> None:
    chart = open_thread(open_chart, demo_data.MARIA.key)
    send_from(chart, MAIN_LINE)
    text = f"Your wound care sheet [{uuid.uuid4().hex[:6]}]"
    chart.tid("send-text").fill(text)
    chart.tid("attach-input").set_input_files([payload("wound-care.png", "image/png", png())])
    expect(chart.tid("attachment")).to_have_count(1)
    chart.tid("send-button").click()

    image = bubble(chart, text).get_by_test_id("media-image")
    expect(image).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 0
    chart.assert_clean()


@pytest.mark.usefixtures("maria_texts_main_line")
def test_patient_replies_appear_live_and_stop_start_switch_the_composer(
    local_stack: LocalStack, open_chart: OpenChart, shots: Path
) -> None:
    chart = open_thread(open_chart, demo_data.MARIA.key)
    send_from(chart, MAIN_LINE)
    chart.tid("send-text").fill("Checking in")
    refusal = chart.tid("send-to-message")

    hello = f"hello {uuid.uuid4().hex[:6]}"
    patient_texts(local_stack, hello)
    expect(bubble(chart, hello)).to_have_attribute(
        "data-direction", "inbound", timeout=LIVE_TIMEOUT_MS
    )
    expect(bubble(chart, hello)).to_be_in_viewport()

    patient_texts(local_stack, "STOP")
    expect(refusal).to_contain_text("opted out of texts from Main line", timeout=LIVE_TIMEOUT_MS)
    expect(chart.tid("send-button")).to_be_disabled()
    expect(chart_number(chart, MARIA_MOBILE).get_by_test_id("send-to-badge")).to_contain_text(
        [re.compile(r"opted out of Main line")]
    )
    pane_screenshot(chart, "thread-opted-out-of-main-line.png", shots)

    send_from(chart, SMS_LINE)
    expect(chart.tid("send-button")).to_be_enabled()

    send_from(chart, MAIN_LINE)
    patient_texts(local_stack, "START")
    expect(chart.tid("send-button")).to_be_enabled(timeout=LIVE_TIMEOUT_MS)
    expect(refusal).not_to_contain_text("opted out")
    chart.assert_clean()


@pytest.mark.usefixtures("main_line_to_plugin")
def test_a_hostile_text_shows_as_characters_at_the_bottom_of_the_thread(
    local_stack: LocalStack, open_chart: OpenChart
) -> None:
    patient_texts(local_stack, HOSTILE_BODY)

    chart = open_thread(open_chart, demo_data.MARIA.key)

    hostile = bubble(chart, HOSTILE_BODY).last
    expect(hostile).to_be_in_viewport()
    expect(hostile.locator("img")).to_have_count(0)
    expect(chart.tid("thread-message").last).to_have_attribute(
        "data-sid", hostile.get_attribute("data-sid") or ""
    )
    chart.assert_clean()


@pytest.mark.usefixtures("main_line_to_plugin")
def test_without_the_socket_the_thread_polls_and_goes_live_once_it_is_back(
    local_stack: LocalStack, open_chart: OpenChart
) -> None:
    attempts: list[str] = []

    def first_attempt_fails(route: WebSocketRoute) -> None:
        attempts.append(route.url)
        if len(attempts) == 1:
            route.close(code=1011, reason="unavailable")
        else:
            route.connect_to_server()

    chart = open_chart(demo_data.MARIA.key, viewport=PANE_VIEWPORT)
    chart.context.route_web_socket(re.compile(r"/plugin-io/ws/"), first_attempt_fails)
    chart.reload()
    chart.tab("send")
    expect(chart.tid("live-state")).to_have_attribute("data-state", "polling")

    text = f"are you there? {uuid.uuid4().hex[:6]}"
    patient_texts(local_stack, text)
    expect(bubble(chart, text)).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    expect(chart.tid("live-state")).to_have_attribute("data-state", "live", timeout=LIVE_TIMEOUT_MS)
    socket_url = local_stack.preview_url.replace("http:", "ws:", 1)
    socket_url += f"/plugin-io/ws/twilio_sms_mms/patient_{demo_data.MARIA.key}/"
    assert attempts[:2] == [socket_url, socket_url], attempts
    chart.assert_clean()


def test_johns_number_is_opted_out_on_the_chart_and_send_is_refused(
    open_chart: OpenChart, shots: Path
) -> None:
    chart = open_thread(open_chart, demo_data.JOHN.key)

    john = chart_number(chart, JOHN_MOBILE)
    expect(john.get_by_test_id("send-to-badge")).to_contain_text(["mobile", "opted out"])
    chart.tid("send-text").fill("Your appointment is tomorrow")
    expect(chart.tid("send-to-message")).to_contain_text("opted out of texts")
    expect(chart.tid("send-button")).to_be_disabled()
    pane_screenshot(chart, "thread-john-opted-out.png", shots)
    chart.assert_clean()


def test_ada_has_no_phone_but_another_number_can_be_texted(
    open_chart: OpenChart, shots: Path
) -> None:
    chart = open_thread(open_chart, demo_data.ADA.key)

    expect(chart.tid("thread-state")).to_have_text(re.compile(r"No phone number on Ada's chart"))
    expect(chart.tid("send-to-choice")).to_have_count(1)
    expect(chart.tid("send-to-choice")).to_be_checked()
    chart.tid("send-to").fill("(555) 017-7777")
    chart.tid("send-text").fill("Hello")
    expect(chart.tid("send-to-message")).to_contain_text("not on this patient's chart")
    expect(chart.tid("send-button")).to_be_enabled()
    pane_screenshot(chart, "thread-ada-no-phone.png", shots)
    chart.assert_clean()


@pytest.mark.usefixtures("main_line_to_plugin")
def test_texts_from_unknown_numbers_are_listed_as_unmatched(
    local_stack: LocalStack, chart: ChartSession
) -> None:
    body = f"Is this the clinic? {uuid.uuid4().hex[:6]}"
    patient_texts(local_stack, body, sender=demo_data.UNKNOWN_TEXTER)

    chart.tab("log")
    chart.tid("log-unmatched").click()

    item = chart.tid("unmatched-item").filter(has_text=body)
    expect(item).to_contain_text(national(demo_data.UNKNOWN_TEXTER))
    expect(item.locator(".phone")).to_have_attribute("title", demo_data.UNKNOWN_TEXTER)
    chart.assert_clean()
