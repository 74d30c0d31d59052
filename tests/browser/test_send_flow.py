"""The Send tab as a clinician uses it: counter, encoding warning, delivery, refusals."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from tests.browser.app_steps import (
    choose_recipient,
    choose_sender,
    confirm_no_consent,
    item_with_text,
    national,
    open_message,
    show_log,
)
from tests.browser.conftest import ChartSession
from tests.browser.stand_in import (
    INVALID_NUMBER,
    MAIN,
    MARIA_MOBILE,
    UNDELIVERABLE,
    sandbox_message,
)

pytestmark = pytest.mark.browser

SID = re.compile(r"^SM[0-9a-f]{32}$")
DELIVERY_TIMEOUT_MS = 15_000


def unique(text: str) -> str:
    return f"{text} [{datetime.now().strftime('%H:%M:%S.%f')}]"


def test_counter_and_ucs2_warning_then_delivered_without_reload(chart: ChartSession) -> None:
    choose_recipient(chart, MARIA_MOBILE)
    choose_sender(chart, MAIN)
    text = chart.tid("send-text")
    counter = chart.tid("send-counter")
    warning = chart.tid("send-encoding-warning")

    body = unique("Please bring your insurance card to Tuesday's visit")
    text.fill(body)
    expect(counter).to_have_text(f"{len(body)}/1600 characters · GSM-7 · 1 segment")
    expect(warning).to_be_hidden()

    text.press_sequentially(" \u201cthanks\u201d")
    expect(counter).to_contain_text("UCS-2")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("UCS-2")
    expect(warning).to_contain_text("U+201C")

    text.fill(body)
    expect(counter).to_contain_text("GSM-7 · 1 segment")
    expect(warning).to_be_hidden()

    chart.tid("send-button").click()
    sid_code = chart.tid("send-sid")
    expect(sid_code).to_have_text(SID)
    sid = sid_code.inner_text()
    expect(chart.tid("send-result")).to_contain_text(national(MARIA_MOBILE))
    expect(chart.tid("send-result").locator(".phone")).to_have_attribute("title", MARIA_MOBILE)
    expect(chart.tid("send-result")).to_contain_text("1 segment")
    status = chart.tid("send-status").get_by_test_id("status-badge")
    expect(status).to_have_attribute(
        "data-status", re.compile(r"^(queued|accepted|sending|sent|delivered)$")
    )
    url_before = chart.page.url
    expect(status).to_have_attribute("data-status", "delivered", timeout=DELIVERY_TIMEOUT_MS)
    assert chart.page.url == url_before
    expect(chart.tid("send-text")).to_have_value("")

    stored = sandbox_message(chart.stack, sid)
    assert stored is not None
    assert (stored["from"], stored["to"], stored["body"]) == (MAIN, MARIA_MOBILE, body)
    assert stored["status"] == "delivered"
    chart.assert_clean()


def test_undeliverable_number_ends_with_an_explanation(chart: ChartSession) -> None:
    body = unique("Test message to an unreachable handset")
    choose_recipient(chart, UNDELIVERABLE)
    choose_sender(chart, MAIN)
    chart.tid("send-text").fill(body)
    chart.tid("send-button").click()
    confirm_no_consent(chart)
    expect(chart.tid("send-sid")).to_have_text(SID)
    status = chart.tid("send-status").get_by_test_id("status-badge")
    expect(status).to_have_attribute("data-status", "undelivered", timeout=DELIVERY_TIMEOUT_MS)
    expect(chart.tid("send-poll")).to_contain_text("Not delivered")

    show_log(chart, MAIN, "from")
    detail = open_message(chart, item_with_text(chart, body))
    error = detail.get_by_test_id("detail-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Error 30003")
    expect(error).to_contain_text("unreachable")
    chart.assert_clean(http_errors=1)  # the 409 that asked for the confirmation


def test_refused_number_shows_the_error_in_words_and_keeps_the_draft(chart: ChartSession) -> None:
    body = unique("This should stay in the box")
    choose_recipient(chart, INVALID_NUMBER)
    choose_sender(chart, MAIN)
    chart.tid("send-text").fill(body)
    chart.tid("send-button").click()
    confirm_no_consent(chart)

    error = chart.tid("send-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Not sent")
    expect(error).to_contain_text("not valid")
    expect(error).to_contain_text("21211")
    expect(chart.tid("send-text")).to_have_value(body)
    expect(chart.tid("send-to")).to_have_value(INVALID_NUMBER)
    expect(chart.tid("send-sid")).to_have_count(0)
    expect(chart.tid("send-button")).to_be_enabled()
    # The 409 that asked for the confirmation, then Twilio's refusal.
    chart.assert_clean(http_errors=2)
