"""The practice inbox and numbers on nobody's chart, as a clinician handles them: link the number
to a patient found by name (adding it to the chart stays off unless asked), and answer it.

Real stack: `canvas run-plugin`, the Twilio stand-in, the preview's WebSocket fan-out, Chromium.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from playwright.sync_api import expect

from devtools import demo_data
from devtools.stack import LocalStack
from tests.browser.test_inbox_walkthrough import LIVE_TIMEOUT_MS, InboxPage, patient_texts
from tests.browser.test_inbox_walkthrough import open_inbox as open_inbox  # a fixture

pytestmark = pytest.mark.browser

JOHN = demo_data.JOHN  # Maria's and Ada's threads are other tests' ground: link to John


def stranger_number() -> tuple[str, str]:
    """A fresh number on nobody's chart, and its last four digits."""
    digits = f"{uuid.uuid4().int % 10_000:04d}"
    return f"+1555047{digits}", digits


def national(number: str) -> str:
    return f"({number[2:5]}) {number[5:8]}-{number[8:]}"


def open_stranger(inbox: InboxPage, digits: str, number: str) -> None:
    """Find the number's conversation by its last digits and open it."""
    inbox.tid("filter-all").click()
    inbox.tid("inbox-search").fill(digits)
    row = inbox.row(national(number))
    expect(row).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    row.click()
    expect(inbox.tid("pane-title")).to_have_text(national(number))


def test_link_an_unknown_number_to_a_patient_found_by_name(
    local_stack: LocalStack, open_inbox: object
) -> None:
    number, digits = stranger_number()
    body = f"Hi, this is John from my new phone [{uuid.uuid4().hex[:6]}]"
    patient_texts(local_stack, body, sender=number)
    inbox = open_inbox()  # type: ignore[operator]
    open_stranger(inbox, digits, number)
    expect(inbox.app.locator(".inbox-number")).to_contain_text(body)
    expect(inbox.tid("add-number")).not_to_be_checked()

    inbox.tid("find-patient").fill(JOHN.last_name)
    choice = inbox.tid("link-patient").filter(has_text=f"{JOHN.first_name} {JOHN.last_name}")
    with inbox.page.expect_request(lambda r: r.url.endswith("/link")) as linking:
        choice.click()

    assert json.loads(linking.value.post_data or "{}") == {
        "patientId": JOHN.key,
        "addContactPoint": False,
    }
    name = f"{JOHN.first_name} {JOHN.last_name}"
    expect(inbox.tid("pane-title")).to_have_text(name)
    # The number's texts are in John's thread now, in the chart app's thread view.
    expect(inbox.tid("bubble-body").filter(has_text=body)).to_be_visible()
    inbox.tid("inbox-search").fill("")
    row = inbox.row(name)
    expect(row).to_contain_text(body, timeout=LIVE_TIMEOUT_MS)
    expect(inbox.row(national(number))).to_have_count(0)


def test_text_an_unknown_number_from_the_inbox(local_stack: LocalStack, open_inbox: object) -> None:
    number, digits = stranger_number()
    patient_texts(local_stack, f"Is this the clinic? [{uuid.uuid4().hex[:6]}]", sender=number)
    inbox = open_inbox()  # type: ignore[operator]
    open_stranger(inbox, digits, number)
    expect(inbox.tid("send-to")).to_have_value(number)
    answer = f"Yes, this is the clinic. How can we help? [{uuid.uuid4().hex[:6]}]"

    inbox.tid("send-text").fill(answer)
    inbox.tid("send-button").click()
    # A number on no chart has no recorded consent: the clinician confirms once.
    expect(inbox.tid("consent-text")).to_contain_text("no patient's chart")
    inbox.tid("consent-send").click()

    expect(inbox.tid("send-result")).to_contain_text("Sent to", timeout=LIVE_TIMEOUT_MS)
    expect(inbox.app.locator(".inbox-number")).to_contain_text(answer, timeout=LIVE_TIMEOUT_MS)
    expect(inbox.row(national(number))).to_contain_text(f"You: {answer}")
    sent = requests.get(
        f"{local_stack.sandbox_url}/_sandbox/messages",
        params={"to": number, "limit": "10"},
        timeout=10,
    ).json()["messages"]
    assert [m["body"] for m in sent].count(answer) == 1
