"""The chart-pane app as a clinician uses it: tabs, the Log, message details, deleting, screenshots.

Everything runs against the real stack (Twilio stand-in + `canvas run-plugin` + chart preview)
in Debian's Chromium.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

import pytest
import requests
from playwright.sync_api import expect

from devtools.stack import LocalStack
from tests.browser.app_steps import (
    LIST_LOADED,
    choose_recipient,
    choose_sender,
    item_with_text,
    open_message,
    show_log,
)
from tests.browser.conftest import SCREENSHOT_DIR, ChartSession, OpenChart
from tests.browser.stand_in import (
    FRONT_DESK,
    MAIN,
    MARIA_MOBILE,
    PAGE_SIZE,
    create_outbound,
    ensure_outbound_pages,
    sandbox_message,
    sandbox_messages,
    wait_for,
)

pytestmark = pytest.mark.browser

FAILED_BODY = "Your prescription is ready for pickup."
QUEUED_BODY = "We are running 15 minutes late today."
PDF_BODY = "Your visit summary is attached."
MMS_BODY = "Here are the photos of the rash"
SCREENSHOT_LIMIT = 300 * 1024


def test_chart_pane_has_three_tabs_and_no_banner(chart: ChartSession) -> None:
    tabs = chart.app.get_by_role("tab")
    expect(tabs).to_have_text(["Log", "Send", "Phones"])
    # In a patient's chart the app opens on that patient's conversation.
    expect(chart.tid("tab-send")).to_have_attribute("aria-selected", "true")
    expect(chart.tid("panel-send")).to_be_visible()

    for name in ("send", "phones", "log", "send", "log"):
        chart.tab(name)
        expect(chart.tid(f"tab-{name}")).to_have_attribute("aria-selected", "true")
        for other in {"log", "send", "phones"} - {name}:
            expect(chart.tid(f"panel-{other}")).to_be_hidden()
            expect(chart.tid(f"tab-{other}")).to_have_attribute("aria-selected", "false")

    expect(chart.tid("banner")).to_be_hidden()
    chart.assert_clean()


def test_log_sent_from_main_line_is_newest_first_with_status_badges(chart: ChartSession) -> None:
    items = show_log(chart, MAIN, "from")
    count = items.count()
    assert 0 < count <= PAGE_SIZE
    expect(chart.tid("log-state")).to_have_text(re.compile(rf"^{count} messages?$"))

    times = [t for t in chart.app.locator('[data-testid="message-item"] time').all()]
    stamps = [datetime.fromisoformat(t.get_attribute("datetime") or "") for t in times]
    assert stamps == sorted(stamps, reverse=True), "Log is not newest first"

    badges = chart.tid("message-list").get_by_test_id("status-badge")
    expect(badges).to_have_count(count)
    statuses = {b.get_attribute("data-status") for b in badges.all()}
    assert {"delivered", "failed", "queued"} <= statuses, statuses
    failed = item_with_text(chart, FAILED_BODY)
    expect(failed.get_by_test_id("status-badge")).to_have_text("failed")
    counterpart = items.first.locator(".counterpart")
    expect(counterpart).to_contain_text(re.compile(r"^To \(555\) \d{3}-\d{4}$"))
    expect(counterpart.locator(".phone")).to_have_attribute("title", re.compile(r"^\+1555\d{7}$"))

    # The demo seed sends well under one page from the Main line: no "Load more".
    sandbox_count = len(sandbox_messages(chart.stack, sender=MAIN))
    assert sandbox_count <= PAGE_SIZE
    assert count == sandbox_count
    expect(chart.tid("log-load-more")).to_be_hidden()
    chart.assert_clean()


def test_log_load_more_appears_only_with_a_next_page(chart: ChartSession) -> None:
    total = ensure_outbound_pages(chart.stack, FRONT_DESK, PAGE_SIZE + 1)
    assert PAGE_SIZE < total <= 2 * PAGE_SIZE

    items = show_log(chart, FRONT_DESK, "from")
    expect(items).to_have_count(PAGE_SIZE)
    expect(chart.tid("log-state")).to_have_text(f"{PAGE_SIZE} messages (more available)")
    more = chart.tid("log-load-more")
    expect(more).to_be_visible()

    more.click()
    expect(items).to_have_count(total)
    expect(more).to_be_hidden()
    expect(chart.tid("log-state")).to_have_text(f"{total} messages")
    sids = [item.get_attribute("data-sid") for item in items.all()]
    assert len(set(sids)) == total, "a message is listed twice after Load more"
    chart.assert_clean()


def test_failed_message_explains_the_error_in_words(chart: ChartSession) -> None:
    show_log(chart, MAIN, "from")
    detail = open_message(chart, item_with_text(chart, FAILED_BODY).first)

    error = detail.get_by_test_id("detail-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Error 30003")
    expect(error).to_contain_text("unreachable")
    expect(error).to_contain_text("try again later")
    expect(detail.get_by_test_id("detail-body")).to_have_text(FAILED_BODY)
    chart.assert_clean()


def test_mms_with_three_images_loads_them(chart: ChartSession) -> None:
    show_log(chart, MAIN, "to")
    detail = open_message(chart, item_with_text(chart, MMS_BODY).first)
    images = detail.get_by_test_id("media-image")
    expect(images).to_have_count(3)
    for image in images.all():
        image.scroll_into_view_if_needed()
        expect(image).to_have_js_property("complete", True)
        assert image.evaluate("img => img.naturalWidth") > 0, image.get_attribute("src")
        expect(image).to_have_attribute("alt", re.compile(r"^Image \d \(image/png\)$"))
    chart.assert_clean()


def test_pdf_attachment_is_a_download_link(chart: ChartSession) -> None:
    show_log(chart, MAIN, "from")
    detail = open_message(chart, item_with_text(chart, PDF_BODY).first)
    link = detail.get_by_test_id("media-download")
    expect(link).to_have_count(1)
    expect(link).to_contain_text("PDF document")
    expect(link).to_have_attribute("download", "")
    href = link.get_attribute("href") or ""
    assert href.startswith("/plugin-io/api/twilio_sms_mms/medias/"), href

    with chart.page.expect_download() as download_info:
        link.click()
    download = download_info.value
    path = download.path()
    assert path.read_bytes().startswith(b"%PDF"), "the downloaded attachment is not the PDF"
    chart.assert_clean()


def test_delete_asks_in_page_then_cancel_keeps_and_delete_removes(chart: ChartSession) -> None:
    body = f"Delete me {datetime.now().isoformat()}"
    sid = create_outbound(chart.stack, MAIN, "+15550188888", body)
    # Delete is offered only for a final status (Twilio refuses 20009 before).
    wait_for(
        lambda: (sandbox_message(chart.stack, sid) or {}).get("status") == "delivered",
        what="the text delivered at the stand-in",
    )

    show_log(chart, MAIN, "from")
    item = chart.app.locator(f'[data-testid="message-item"][data-sid="{sid}"]')
    expect(item).to_have_count(1)
    detail = open_message(chart, item)
    expect(detail.get_by_test_id("detail-body")).to_have_text(body)

    dialog = chart.tid("confirm-dialog")
    detail.get_by_test_id("detail-delete").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("cannot be undone")
    chart.tid("confirm-cancel").click()
    expect(dialog).to_be_hidden()
    expect(detail.get_by_test_id("detail-body")).to_have_text(body)
    assert sandbox_message(chart.stack, sid) is not None, "Cancel deleted the message"

    detail.get_by_test_id("detail-delete").click()
    expect(dialog).to_be_visible()
    chart.tid("confirm-delete").click()
    expect(chart.tid("log-state")).to_have_text("Message deleted.")
    expect(item).to_have_count(0)
    assert sandbox_message(chart.stack, sid) is None, "the stand-in still has the message"

    show_log(chart, MAIN, "from")
    expect(chart.tid("message-list")).to_be_visible()
    expect(item).to_have_count(0)
    assert chart.dialogs == [], "a native JS dialog was used instead of the in-page one"
    chart.assert_clean()


def test_delete_is_offered_only_once_the_status_is_final(chart: ChartSession) -> None:
    show_log(chart, MAIN, "from")
    queued = item_with_text(chart, QUEUED_BODY).first
    expect(queued.get_by_test_id("status-badge")).to_have_text("queued")
    detail = open_message(chart, queued)
    expect(detail.get_by_test_id("detail-delete")).to_have_count(0)
    expect(detail).to_contain_text("can be deleted once its status is final")

    detail.get_by_test_id("detail-back").click()
    detail = open_message(chart, item_with_text(chart, FAILED_BODY).first)
    expect(detail.get_by_test_id("detail-delete")).to_be_visible()
    chart.assert_clean()


def screenshot_dir(tmp_path: Path) -> Path:
    """docs/screenshots/ when UPDATE_SCREENSHOTS=1, else a temporary folder (tree stays clean)."""
    return SCREENSHOT_DIR if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path


def test_readme_screenshots(chart: ChartSession, tmp_path: Path) -> None:
    """The README's pictures: `UPDATE_SCREENSHOTS=1 pytest -k readme_screenshots` rewrites them."""
    directory = screenshot_dir(tmp_path)
    show_log(chart, MAIN, "from")
    choose_recipient(chart, MARIA_MOBILE)
    choose_sender(chart, MAIN)
    chart.tid("send-text").fill("Hi Maria, your lab results are in. Please call us to review them.")
    expect(chart.tid("send-button")).to_be_enabled()
    pane = chart.screenshot("chart-pane.png", directory=directory)
    assert pane.stat().st_size < SCREENSHOT_LIMIT, pane.stat().st_size

    show_log(chart, MAIN, "to")
    detail = open_message(chart, item_with_text(chart, MMS_BODY).first)
    images = detail.get_by_test_id("media-image")
    expect(images).to_have_count(3)
    for image in images.all():
        expect(image).to_have_js_property("complete", True)
    mms = chart.screenshot("log-mms.png", chart.page.locator("aside.pane"), directory)
    assert mms.stat().st_size < SCREENSHOT_LIMIT, mms.stat().st_size
    chart.assert_clean()


def test_opening_the_chart_asks_twilio_once(open_chart: OpenChart, local_stack: LocalStack) -> None:
    """The phone list is the only Twilio request of an open; the Log loads when it is shown."""
    requests.delete(f"{local_stack.sandbox_url}/_sandbox/stats", timeout=5)

    chart = open_chart()
    expect(chart.tid("thread-state")).not_to_have_text(re.compile("Loading"))
    expect(chart.tid("send-from").locator("option")).not_to_have_count(0)
    served = requests.get(f"{local_stack.sandbox_url}/_sandbox/stats", timeout=5).json()

    # Pictures sent to Maria by other tests are listed for her thread (Messages/{Sid}/Media):
    # they belong to the conversation on screen, not to opening the app.
    opening = {
        k: n for k, n in served["byRoute"].items() if not k.startswith("GET Messages/{Sid}/Media")
    }
    assert opening == {"GET IncomingPhoneNumbers.json": 1}
    chart.tab("log")
    expect(chart.tid("log-state")).to_have_text(LIST_LOADED)
    served = requests.get(f"{local_stack.sandbox_url}/_sandbox/stats", timeout=5).json()
    assert served["byRoute"].get("GET Messages.json") == 1
