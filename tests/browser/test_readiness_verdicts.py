"""Readiness in the browser: the Phones tab's verdicts and the Send tab's warning."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.app_steps import choose_recipient, choose_sender
from tests.browser.conftest import ChartSession
from tests.browser.stand_in import FRONT_DESK, MAIN, MARIA_MOBILE

pytestmark = pytest.mark.browser


def test_phones_tab_shows_each_numbers_verdict(chart: ChartSession) -> None:
    chart.tab("phones")
    main = chart.app.locator(f'[data-testid="phone-card"][data-number="{MAIN}"]')
    desk = chart.app.locator(f'[data-testid="phone-card"][data-number="{FRONT_DESK}"]')

    expect(main.get_by_test_id("phone-readiness")).to_have_text(
        "Ready for US texting (campaign VERIFIED in service Clinic Reminders)."
    )
    expect(main.get_by_test_id("phone-readiness")).to_have_attribute("data-verdict", "ready")
    expect(desk.get_by_test_id("phone-readiness")).to_have_attribute("data-verdict", "blocked")
    expect(desk.get_by_test_id("phone-readiness")).to_contain_text("(Twilio 30034)")


def test_send_tab_warns_before_texting_from_a_number_that_is_not_ready(
    chart: ChartSession,
) -> None:
    choose_recipient(chart, MARIA_MOBILE)
    warning = chart.tid("send-readiness")

    choose_sender(chart, FRONT_DESK)
    expect(warning).to_contain_text("US texts will be blocked")
    expect(warning).to_be_visible()
    chart.tid("send-text").fill("See you at 9")
    expect(chart.tid("send-button")).to_be_enabled()  # the clinician may still send

    choose_sender(chart, MAIN)
    expect(warning).to_have_text("")
    expect(warning).to_be_hidden()
