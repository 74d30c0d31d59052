"""Clinician steps in the chart-pane app, shared by the browser tests."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, expect

from tests.browser.conftest import ChartSession

LIST_LOADED = re.compile(r"^(\d+ messages?( \(more available\))?|No messages yet)$")


def national(number: str) -> str:
    """A NANP number as the app shows it: +15550123456 -> (555) 012-3456 (E.164 in its title)."""
    assert re.fullmatch(r"\+1\d{10}", number), number
    return f"({number[2:5]}) {number[5:8]}-{number[8:]}"


def shown_number(chart: ChartSession, number: str) -> Locator:
    """The app's elements that show `number` (formatted, with the E.164 in data-number)."""
    return chart.app.locator(f'.phone[data-number="{number}"]')


def show_log(chart: ChartSession, number: str, direction: str = "from") -> Locator:
    """Open the Log tab on `number`, "from" (sent from) or "to" (received at); return the items."""
    chart.tab("log")
    if chart.tid("message-detail").is_visible():
        chart.tid("detail-back").first.click()
    expect(chart.tid("log-number").locator(f'option[value="{number}"]')).to_have_count(1)
    chart.tid("log-direction").select_option(direction)
    chart.tid("log-number").select_option(number)
    expect(chart.tid("log-state")).to_have_text(LIST_LOADED)
    return chart.tid("message-item")


def item_with_text(chart: ChartSession, text: str | re.Pattern[str]) -> Locator:
    """The message item(s) of the list whose preview has `text`."""
    return chart.tid("message-item").filter(has=chart.app.locator(".preview", has_text=text))


def open_message(chart: ChartSession, item: Locator) -> Locator:
    """Click a message item and wait for its detail; return the detail."""
    item.click()
    detail = chart.tid("message-detail")
    expect(detail.get_by_test_id("detail-body")).to_be_visible()
    return detail


def choose_recipient(chart: ChartSession, number: str) -> None:
    """In the Send tab, pick `number` in the To picker, or "Other number" and type it."""
    chart.tab("send")
    choices = chart.tid("send-to-choices")
    expect(choices).to_be_visible()
    option = choices.locator(f'[data-testid="send-to-option"][data-number="{number}"]')
    if option.count():
        option.click()
        expect(option.get_by_test_id("send-to-choice")).to_be_checked()
        expect(chart.tid("send-to")).to_be_hidden()
        return
    other = choices.locator('[data-testid="send-to-option"][data-number="other"]')
    other.click()
    expect(other.get_by_test_id("send-to-choice")).to_be_checked()
    chart.tid("send-to").fill(number)


def choose_sender(chart: ChartSession, number: str) -> None:
    """In the Send tab, pick the practice number `number` as From."""
    option = chart.tid("send-from").locator(f'option[data-number="{number}"]')
    expect(option).to_have_count(1)
    chart.tid("send-from").select_option(option.get_attribute("value"))


def confirm_no_consent(chart: ChartSession) -> None:
    """Answer "Send anyway" to the consent question (a number no chart records consent for)."""
    dialog = chart.tid("consent-dialog")
    expect(dialog).to_be_visible()
    expect(chart.tid("consent-text")).to_contain_text("Send anyway?")
    chart.tid("consent-send").click()
    expect(dialog).to_be_hidden()
