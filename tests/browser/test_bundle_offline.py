"""The committed bundle, as the chart app renders it, runs in Chromium without the local stack.

Fast and independent of the runner: it catches a bundle that throws, a minifier mistake, or a
view that lost its wiring. The API is unreachable here (about:blank), which the app must survive.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from canvas_generated.messages.events_pb2 import Event as EventRequest
from canvas_sdk.events import Event, EventType
from playwright.sync_api import expect

from tests.plugin_harness import SECRETS
from twilio_sms_mms.handlers.sms_form_app import SmsFormApp

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

TARGET = "twilio_sms_mms.handlers.sms_form_app:SmsFormApp"


def app_page_html(patient_id: str, staff_id: str) -> str:
    """The HTML on_open puts in the right chart pane."""
    context = json.dumps({"patient": {"id": patient_id}, "staff": {"id": staff_id}})
    event = Event(EventRequest(type=EventType.APPLICATION__ON_OPEN, target=TARGET, context=context))
    effects = SmsFormApp(event, SECRETS, {"CUSTOMER_IDENTIFIER": "clinic"}).compute()
    return str(json.loads(effects[0].payload)["data"]["content"])


@pytest.fixture
def offline_page(chromium: Browser) -> Iterator[tuple[Page, list[str]]]:
    context = chromium.new_context(viewport={"width": 450, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, errors
    context.close()


def test_the_bundle_renders_every_tab_and_counts_segments(
    offline_page: tuple[Page, list[str]],
) -> None:
    page, errors = offline_page
    page.set_content(app_page_html("a" * 32, "staff-key-1"))

    expect(page.get_by_role("tab")).to_have_text(["Log", "Send", "Phones"])
    expect(page.get_by_test_id("tab-send")).to_have_attribute("aria-selected", "true")
    # No server here: the thread says so instead of throwing.
    expect(page.get_by_test_id("thread-state")).to_contain_text("Could not load the conversation")

    text = page.get_by_test_id("send-text")
    text.fill("€" * 81)
    expect(page.get_by_test_id("send-counter")).to_have_text(
        "81/1600 characters · GSM-7 · 2 segments (153 per segment)"
    )
    text.fill("a" * 66 + "😀" + "a" * 66)
    expect(page.get_by_test_id("send-counter")).to_contain_text("UCS-2 · 3 segments")
    expect(page.get_by_test_id("send-encoding-warning")).to_contain_text("U+1F600")
    expect(page.get_by_test_id("send-button")).to_be_disabled()  # no From number without a server

    for name in ("phones", "log", "send"):
        page.get_by_test_id(f"tab-{name}").click()
        expect(page.get_by_test_id(f"panel-{name}")).to_be_visible()
    page.get_by_test_id("tab-send").press("ArrowRight")
    expect(page.get_by_test_id("tab-phones")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("tab-phones")).to_be_focused()
    expect(page.get_by_test_id("phones-state")).to_contain_text("Could not load the Twilio numbers")
    assert errors == []


def test_administrators_alone_get_the_callback_field(
    offline_page: tuple[Page, list[str]],
) -> None:
    page, errors = offline_page
    page.set_content(app_page_html("a" * 32, "staff-key-1"))
    expect(page.get_by_test_id("send-callback")).to_have_count(1)

    page.set_content(app_page_html("a" * 32, "staff-key-2"))
    expect(page.get_by_test_id("send-text")).to_be_visible()
    expect(page.get_by_test_id("send-callback")).to_have_count(0)
    assert errors == []
