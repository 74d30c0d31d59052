"""The committed bundle, as the chart app renders it, runs in Chromium without the local stack.

Fast and independent of the runner: it catches a bundle that throws, a minifier mistake, or a
view that lost its wiring. The first tests give it no API at all (about:blank), which the app must
survive; the last ones answer its requests with fixed JSON (Playwright routes) to check what an
administrator and another clinician are offered.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from canvas_generated.messages.events_pb2 import Event as EventRequest
from canvas_sdk.events import Event, EventType
from playwright.sync_api import expect

from tests.plugin_harness import SECRETS
from twilio_sms_mms.handlers.sms_form_app import SmsFormApp

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route, WebSocketRoute

pytestmark = pytest.mark.browser

TARGET = "twilio_sms_mms.handlers.sms_form_app:SmsFormApp"
ORIGIN = "https://clinic.example.org"
API = "/plugin-io/api/twilio_sms_mms"
MAIN = "+15550100001"
MOBILE = "+15550123456"
PHONE = {
    "sid": "PN" + "1" * 32,
    "phoneNumber": MAIN,
    "label": "Main line",
    "capabilities": {"sms": True, "mms": True, "voice": True, "fax": False},
    "status": "in-use",
    "inboundWebhook": {"url": "", "method": "POST"},
    "statusCallback": None,
    "usesPluginInbound": False,
}
DELIVERED = {
    "sid": "SM" + "d" * 32,
    "from": MAIN,
    "to": MOBILE,
    "bodyPreview": "See you Tuesday",
    "body": "See you Tuesday",
    "status": "delivered",
    "direction": "outbound-api",
    "sent": "2026-12-01T10:00:00+00:00",
    "created": "2026-12-01T10:00:00+00:00",
    "mediaCount": 0,
    "errorCode": None,
}
ANSWERS: dict[str, Any] = {
    "/phone_list": {"phones": [PHONE], "pluginUrls": {}},
    f"/message_list/%2B{MAIN[1:]}/from": {"messages": [DELIVERED], "nextPage": None},
    f"/message/{DELIVERED['sid']}": {"message": DELIVERED, "media": []},
    "/patients/p1/thread": {
        "patient": {"id": "p1", "firstName": "Maria", "lastName": "Lopez"},
        "phones": [
            {"number": MOBILE, "use": "mobile", "hasConsent": True, "optedOut": False},
        ],
        "messages": [],
        "quickReplies": [],
    },
}


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


def serve_app(page: Page, staff_id: str) -> None:
    """Open the app at a fixed https origin; its API calls get ANSWERS, its socket is refused."""
    html = app_page_html("p1", staff_id)

    def answer(route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN).split("?")[0]
        if path == "/chart":
            route.fulfill(body=html, content_type="text/html")
        elif path.removeprefix(API) in ANSWERS:
            route.fulfill(json=ANSWERS[path.removeprefix(API)])
        else:
            route.fulfill(status=404, json={"error": {"message": f"no answer for {path}"}})

    def refuse(socket: WebSocketRoute) -> None:
        socket.close(code=1011, reason="no live updates offline")

    page.route(f"{ORIGIN}/**", answer)
    page.route_web_socket(f"wss://{ORIGIN.removeprefix('https://')}/**", refuse)
    page.goto(f"{ORIGIN}/chart")


@pytest.mark.parametrize(("staff_id", "admin"), [("staff-key-1", True), ("staff-key-2", False)])
def test_rewiring_and_deleting_are_offered_to_administrators_only(
    offline_page: tuple[Page, list[str]], staff_id: str, admin: bool
) -> None:
    page, errors = offline_page
    serve_app(page, staff_id)
    expect(page.get_by_test_id("live-state")).to_have_attribute("data-state", "polling")
    expect(page.get_by_test_id("send-to-option")).to_have_count(2)
    expect(page.get_by_test_id("send-callback")).to_have_count(1 if admin else 0)

    page.get_by_test_id("tab-phones").click()
    card = page.get_by_test_id("phone-card")
    expect(card.locator("h3")).to_have_text("Main line")
    expect(card.locator(".number")).to_have_text("(555) 010-0001")
    expect(card.get_by_test_id("phone-webhook-url")).to_have_count(1 if admin else 0)
    expect(card.get_by_test_id("phone-use-plugin")).to_have_count(1 if admin else 0)

    page.get_by_test_id("tab-log").click()
    item = page.get_by_test_id("message-item")
    expect(item.locator(".counterpart")).to_have_text("To (555) 012-3456")
    item.click()
    detail = page.get_by_test_id("message-detail")
    expect(detail.get_by_test_id("detail-body")).to_have_text("See you Tuesday")
    expect(detail.get_by_test_id("detail-delete")).to_have_count(1 if admin else 0)
    assert errors == []
