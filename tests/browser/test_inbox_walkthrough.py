"""The practice inbox in the chart preview's /inbox page, as a clinician walks through it:
a patient texts, the conversation appears without a reload, the clinician takes it and marks
it done, the patient texts again and it reopens by itself; a narrow page shows one pane.

Real stack: `canvas run-plugin`, the Twilio stand-in, the preview's WebSocket fan-out, Chromium.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, FrameLocator, Locator, Page, ViewportSize, expect

from devtools import demo_data
from devtools.stack import LocalStack
from tests.browser.conftest import SCREENSHOT_DIR

pytestmark = pytest.mark.browser

MAIN_LINE = demo_data.MAIN_LINE.phone_number
MARIA = demo_data.MARIA
LIVE_TIMEOUT_MS = 10_000
WIDE: ViewportSize = {"width": 1280, "height": 860}
NARROW: ViewportSize = {"width": 420, "height": 800}


def patient_texts(stack: LocalStack, body: str, sender: str = MARIA.phones[0].value) -> None:
    """The patient's phone texts the Main line (the stand-in calls the plugin's webhook)."""
    reply = requests.post(
        f"{stack.sandbox_url}/_sandbox/inbound",
        json={"from": sender, "to": MAIN_LINE, "body": body},
        timeout=15,
    )
    reply.raise_for_status()
    assert reply.json()["webhookStatus"] == 200, reply.json()


class InboxPage:
    """The /inbox page and its app frame."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.app: FrameLocator = page.frame_locator("#app-frame")

    def tid(self, test_id: str) -> Locator:
        return self.app.get_by_test_id(test_id)

    def row(self, text: str) -> Locator:
        return self.tid("inbox-row").filter(has_text=text)


@pytest.fixture
def open_inbox(
    local_stack: LocalStack, chromium: Browser, main_line_to_plugin: str
) -> Iterator[object]:
    contexts = []

    def _open(viewport: ViewportSize = WIDE) -> InboxPage:
        context = chromium.new_context(viewport=viewport)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{local_stack.preview_url}/inbox")
        inbox = InboxPage(page)
        expect(inbox.tid("inbox")).to_have_attribute("data-live", "live")
        return inbox

    yield _open
    for context in contexts:
        context.close()


def test_text_take_done_and_reopen_live(local_stack: LocalStack, open_inbox: object) -> None:
    inbox = open_inbox()  # type: ignore[operator]
    inbox.tid("filter-all").click()
    first = f"Can I move my appointment? [{uuid.uuid4().hex[:6]}]"

    patient_texts(local_stack, first)

    row = inbox.row("Maria Lopez")
    expect(row).to_contain_text(first, timeout=LIVE_TIMEOUT_MS)
    row.click()
    expect(inbox.tid("pane-title")).to_have_text("Maria Lopez")
    inbox.tid("take").click()
    expect(row).to_contain_text("Ana Reyes")
    answer = f"Yes: Thursday at 10? [{uuid.uuid4().hex[:6]}]"
    inbox.tid("send-text").fill(answer)
    inbox.tid("send-button").click()
    expect(inbox.tid("bubble-body").filter(has_text=answer)).to_be_visible()
    expect(row).to_contain_text(f"You: {answer}", timeout=LIVE_TIMEOUT_MS)
    inbox.tid("done").click()
    expect(row.get_by_test_id("inbox-row-status")).to_have_text("Done")

    again = f"One more question [{uuid.uuid4().hex[:6]}]"
    patient_texts(local_stack, again)

    expect(row).to_contain_text(again, timeout=LIVE_TIMEOUT_MS)
    expect(row.get_by_test_id("inbox-row-status")).to_have_text("Open")
    # The open conversation shows the new text, and having read it clears the row's count.
    expect(inbox.tid("bubble-body").filter(has_text=again)).to_be_visible()
    expect(row.get_by_test_id("inbox-row-unread")).to_have_count(0)
    expect(inbox.tid("reopen")).to_have_count(0)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        path = Path(SCREENSHOT_DIR) / "inbox.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        inbox.page.screenshot(path=str(path))


def test_unknown_number_shows_its_digits_and_search_finds_it(
    local_stack: LocalStack, open_inbox: object
) -> None:
    digits = f"{uuid.uuid4().int % 10_000:04d}"
    stranger = f"+1555048{digits}"
    inbox = open_inbox()  # type: ignore[operator]
    inbox.tid("filter-all").click()

    patient_texts(local_stack, "Who is this?", sender=stranger)
    inbox.tid("inbox-search").fill(digits)

    expect(inbox.tid("inbox-row")).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    expect(inbox.tid("inbox-row")).to_contain_text(f"(555) 048-{digits}")


def test_a_narrow_page_shows_one_pane_at_a_time(
    local_stack: LocalStack, open_inbox: object
) -> None:
    patient_texts(local_stack, f"narrow [{uuid.uuid4().hex[:6]}]")
    inbox = open_inbox(NARROW)  # type: ignore[operator]
    inbox.tid("filter-all").click()
    row = inbox.row("Maria Lopez")

    row.click()

    expect(inbox.tid("pane-title")).to_be_visible()
    expect(row).to_be_hidden()
