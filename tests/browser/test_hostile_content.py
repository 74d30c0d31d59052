"""Hostile values from Twilio or texters (bodies, labels, content types) show as characters."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.app_steps import item_with_text, open_message, show_log
from tests.browser.conftest import ChartSession
from tests.browser.stand_in import FRONT_DESK, MAIN

pytestmark = pytest.mark.browser

IMG_BODY = '<img src=x onerror="window.__xss=1">'
SCRIPT_BODY = "<script>window.__xss=1</script>hello"
HOSTILE_TYPE = 'text/html"><script>window.__xss=1</script>'
HOSTILE_LABEL = f"Front desk {IMG_BODY}"


def test_hostile_bodies_labels_and_content_types_stay_text(chart: ChartSession) -> None:
    # The hostile label is the text of the number pickers' options.
    expect(chart.tid("log-number").locator("option", has_text=HOSTILE_LABEL)).to_have_count(1)

    show_log(chart, FRONT_DESK, "to")
    img_item = item_with_text(chart, "<img src=x onerror=")
    expect(img_item.first.locator(".preview")).to_have_text(IMG_BODY)
    expect(chart.tid("message-list").locator("img")).to_have_count(0)
    detail = open_message(chart, img_item.first)
    expect(detail.get_by_test_id("detail-body")).to_have_text(IMG_BODY)
    expect(detail.locator("img")).to_have_count(0)
    chart.assert_no_xss()

    show_log(chart, MAIN, "to")
    script_item = item_with_text(chart, "<script>window.__xss=1</script>")
    expect(script_item.first.locator(".preview")).to_have_text(SCRIPT_BODY)
    detail = open_message(chart, script_item.first)
    expect(detail.get_by_test_id("detail-body")).to_have_text(SCRIPT_BODY)
    expect(detail.locator("script")).to_have_count(0)

    show_log(chart, MAIN, "to")
    detail = open_message(chart, item_with_text(chart, "see attachment").first)
    download = detail.get_by_test_id("media-download")
    expect(download).to_have_count(1)
    expect(download).to_contain_text(HOSTILE_TYPE)
    expect(detail.locator("script")).to_have_count(0)
    expect(detail.get_by_test_id("media-image")).to_have_count(0)
    href = download.get_attribute("href") or ""
    assert href.startswith("/plugin-io/api/twilio_sms_mms/medias/"), href

    # The raw media answer is an attachment, never rendered as HTML in the app's origin.
    answer = chart.app_frame().evaluate(
        """async (url) => {
            const r = await fetch(url, {credentials: "same-origin"});
            return [r.status, r.headers.get("content-disposition") || "",
                    r.headers.get("content-type") || ""];
        }""",
        href,
    )
    assert answer[0] == 200, answer
    assert answer[1].lower().startswith("attachment"), answer

    # Nothing ran anywhere: no marker, no dialog, no console error (CSP-ish injection included).
    chart.tab("phones")
    desk_card = chart.app.locator(f'[data-testid="phone-card"][data-number="{FRONT_DESK}"]')
    expect(desk_card.locator("h3")).to_have_text(HOSTILE_LABEL)
    chart.tab("send")
    expect(chart.tid("send-from").locator("option", has_text=HOSTILE_LABEL)).to_have_count(1)
    chart.page.wait_for_timeout(300)
    chart.assert_clean()
