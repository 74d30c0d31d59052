"""Forged Twilio webhooks, end to end through the chart preview: refused, and nothing changes."""

from __future__ import annotations

from datetime import datetime

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.app_steps import open_message, show_log
from tests.browser.conftest import ChartSession
from tests.browser.stand_in import MAIN, MARIA_MOBILE, sandbox_messages

pytestmark = pytest.mark.browser

BAD_SIGNATURES = [None, "", "bm90IGEgc2lnbmF0dXJl", "x" * 28]


def post_like_twilio(url: str, form: dict[str, str], signature: str | None) -> requests.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return requests.post(url, data=form, headers=headers, timeout=15)


def thread_bodies(chart: ChartSession) -> dict[str, tuple[str, str]]:
    """sid -> (body, status) of Maria's thread, fetched by the app frame with its session."""
    data = chart.app_frame().evaluate(
        """async (id) => (await (await fetch(
            `/plugin-io/api/twilio_sms_mms/patients/${id}/thread`, {credentials: "same-origin"}
        )).json())""",
        chart.patient_key,
    )
    return {m["sid"]: (m["body"], m["status"]) for m in data["messages"]}


@pytest.mark.parametrize("signature", BAD_SIGNATURES, ids=["missing", "empty", "wrong", "junk"])
def test_forged_status_callback_is_refused_and_changes_nothing(
    chart: ChartSession, signature: str | None
) -> None:
    delivered = next(
        m for m in sandbox_messages(chart.stack, sender=MAIN) if m["status"] == "delivered"
    )
    before = thread_bodies(chart)
    reply = post_like_twilio(
        chart.stack.status_url,
        {
            "MessageSid": delivered["sid"],
            "SmsSid": delivered["sid"],
            "MessageStatus": "failed",
            "ErrorCode": "30003",
            "AccountSid": "AC" + "0" * 32,
            "From": delivered["from"],
            "To": delivered["to"],
        },
        signature,
    )
    assert reply.status_code == 403, (reply.status_code, reply.text)

    show_log(chart, MAIN, "from")
    item = chart.app.locator(f'[data-testid="message-item"][data-sid="{delivered["sid"]}"]')
    expect(item.get_by_test_id("status-badge")).to_have_text("delivered")
    detail = open_message(chart, item)
    expect(detail.get_by_test_id("detail-error")).to_have_count(0)
    assert thread_bodies(chart) == before
    chart.assert_clean()


@pytest.mark.parametrize("signature", BAD_SIGNATURES, ids=["missing", "empty", "wrong", "junk"])
def test_forged_inbound_text_is_refused_and_never_appears(
    chart: ChartSession, signature: str | None
) -> None:
    body = f"forged inbound {datetime.now().isoformat()}"
    before = thread_bodies(chart)
    reply = post_like_twilio(
        chart.stack.inbound_url,
        {
            "MessageSid": "SM" + "f" * 32,
            "SmsMessageSid": "SM" + "f" * 32,
            "AccountSid": "AC" + "0" * 32,
            "From": MARIA_MOBILE,
            "To": MAIN,
            "Body": body,
            "NumMedia": "0",
        },
        signature,
    )
    assert reply.status_code == 403, (reply.status_code, reply.text)
    assert "Message" not in reply.text, "a forged inbound got a TwiML reply"

    after = thread_bodies(chart)
    assert after == before
    assert all(text != body for text, _ in after.values())
    show_log(chart, MAIN, "to")
    expect(chart.tid("message-list")).not_to_contain_text(body)
    assert all(m["body"] != body for m in sandbox_messages(chart.stack, to=MAIN, limit=20))
    chart.assert_clean()
