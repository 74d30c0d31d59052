"""The Phones tab and an inbound text, end to end: webhook setup from the UI, the patient's phone,
the plugin's auto-reply stored at Twilio, and the text in the Log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Locator, expect

from devtools import demo_data
from devtools.stack import LocalStack
from tests.browser.app_steps import national, show_log
from tests.browser.conftest import ChartSession
from tests.browser.stand_in import FRONT_DESK, MAIN, MARIA_MOBILE, sandbox_messages, wait_for

pytestmark = pytest.mark.browser

HOSTILE_LABEL = 'Front desk <img src=x onerror="window.__xss=1">'
ELSEWHERE = "https://example.org/other-app/sms"


@pytest.fixture
def main_line_elsewhere(local_stack: LocalStack) -> Iterator[str]:
    """Point the Main line's SmsUrl away from the plugin; always point it back afterwards."""
    sid = local_stack.configure_sms_url(MAIN, ELSEWHERE)
    yield sid
    local_stack.configure_sms_url(MAIN)


def card_of(chart: ChartSession, number: str) -> Locator:
    """The Phones tab's card of a practice number."""
    return chart.app.locator(f'[data-testid="phone-card"][data-number="{number}"]')


def capabilities(chart: ChartSession, card_sid: str) -> dict[str, bool]:
    card = chart.app.locator(f'[data-testid="phone-card"][data-sid="{card_sid}"]')
    chips = card.get_by_test_id("phone-capability")
    return {
        str(chip.get_attribute("data-capability")): "on" in (chip.get_attribute("class") or "")
        for chip in chips.all()
    }


def test_phones_show_both_numbers_with_chips_and_the_hostile_label_as_text(
    chart: ChartSession,
) -> None:
    chart.tab("phones")
    cards = chart.tid("phone-card")
    expect(card_of(chart, MAIN)).to_have_count(1)
    expect(card_of(chart, FRONT_DESK)).to_have_count(1)
    expect(cards).to_have_count(2)
    expect(chart.tid("phones-state")).to_contain_text("numbers on this Twilio account")

    main = card_of(chart, MAIN)
    desk = card_of(chart, FRONT_DESK)
    expect(main.locator(".number")).to_have_text(national(MAIN))
    expect(main.locator(".number")).to_have_attribute("title", MAIN)
    expect(main.locator("h3")).to_have_text("Main line")
    expect(desk.locator("h3")).to_have_text(HOSTILE_LABEL)
    expect(desk.locator("img")).to_have_count(0)

    main_sid = str(main.get_attribute("data-sid"))
    desk_sid = str(desk.get_attribute("data-sid"))
    assert capabilities(chart, main_sid) == {"sms": True, "mms": True, "voice": True, "fax": False}
    assert capabilities(chart, desk_sid) == {
        "sms": True,
        "mms": False,
        "voice": False,
        "fax": False,
    }
    expect(main.locator('[data-capability="sms"]')).to_have_attribute("aria-label", "SMS supported")
    expect(desk.locator('[data-capability="mms"]')).to_have_attribute(
        "aria-label", "MMS not supported"
    )

    # The Send tab's From offers only SMS-capable numbers; the hostile label is an option's text.
    chart.tab("send")
    expect(chart.tid("send-from").locator("option", has_text=HOSTILE_LABEL)).to_have_count(1)
    chart.assert_clean()


def test_use_plugin_inbound_url_then_patient_texts_hello(
    chart: ChartSession, main_line_elsewhere: str
) -> None:
    stack = chart.stack
    chart.tab("phones")
    chart.tid("phones-refresh").click()
    card = chart.app.locator(f'[data-testid="phone-card"][data-sid="{main_line_elsewhere}"]')
    expect(card.get_by_test_id("phone-inbound")).to_have_text(f"POST {ELSEWHERE}")
    expect(card.get_by_test_id("phone-plugin-badge")).to_have_count(0)

    card.get_by_test_id("phone-use-plugin").click()
    expect(card.get_by_test_id("phone-message")).to_have_text("Saved.")
    expect(card.get_by_test_id("phone-inbound")).to_have_text(f"POST {stack.inbound_url}")
    expect(card.get_by_test_id("phone-plugin-badge")).to_have_text("Uses this plugin")
    expect(card.get_by_test_id("phone-use-plugin")).to_have_count(0)

    # The patient texts the practice from the stand-in's phone page, in a second tab.
    phone = chart.context.new_page()
    phone.goto(stack.phone_url)
    phone.locator("#patient").fill(MARIA_MOBILE)
    phone.locator("#practice").select_option(MAIN)
    phone.locator("#body").fill("hello")
    phone.get_by_role("button", name="Send").click()
    expect(phone.locator(".notice")).to_contain_text("SMS URL answered 200")

    inbound = wait_for(
        lambda: next(
            (
                m
                for m in sandbox_messages(stack, to=MAIN, sender=MARIA_MOBILE, limit=5)
                if m["body"] == "hello" and m["direction"] == "inbound"
            ),
            None,
        ),
        what="the inbound hello at the stand-in",
    )
    replies = sandbox_messages(stack, to=MARIA_MOBILE, sender=MAIN, limit=5)
    auto = [
        m
        for m in replies
        if m["direction"] == "outbound-reply"
        and m["body"] == demo_data.AUTO_REPLY_TEXT
        and m["date_created"] >= inbound["date_created"]
    ]
    assert auto, f"no auto-reply stored after the inbound hello: {replies}"
    expect(phone.locator("li", has_text=demo_data.AUTO_REPLY_TEXT).first).to_be_visible()

    show_log(chart, MAIN, "to")
    item = chart.app.locator(f'[data-testid="message-item"][data-sid="{inbound["sid"]}"]')
    expect(item.locator(".preview")).to_have_text("hello")
    expect(item.locator(".counterpart")).to_have_text(f"From {national(MARIA_MOBILE)}")
    expect(item.get_by_test_id("status-badge")).to_have_text("received")
    chart.assert_clean()
