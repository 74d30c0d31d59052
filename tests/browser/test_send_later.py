"""Send later in the browser: a Messaging Service as From, a time in the practice's zone shown
in that zone and in UTC, the scheduled bubble, Cancel, the send at its time, STOP and 30409.

Real stack: the plugin in `canvas run-plugin`, the stand-in's Messaging Service "Clinic
Reminders" (it holds the Main line) and its schedules (`POST /_sandbox/scheduled/release`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Locator, expect

from devtools import demo_data
from devtools.stack import LocalStack
from tests.browser.app_steps import item_with_text, open_message, show_log
from tests.browser.conftest import ChartSession, OpenChart
from tests.browser.stand_in import MAIN, sandbox_message
from tests.browser.test_patient_thread import (
    LIVE_TIMEOUT_MS,
    bubble,
    maria_texts_main_line,  # noqa: F401  (fixture)
    open_thread,
    patient_texts,
    send_from,
)
from twilio_sms_mms.constants import settings
from twilio_sms_mms.constants.error_codes import ERROR_EXPLANATIONS

pytestmark = pytest.mark.browser

ZONE = ZoneInfo(
    settings.DEFAULT_PRACTICE_TIME_ZONE
)  # the local stack leaves PracticeTimeZone unset
SERVICE = "Clinic Reminders"


def readable(moment: datetime) -> str:
    """A time as the app writes it: "Thu 4 Dec, 9:00 AM EST"."""
    clock = moment.strftime("%I:%M %p").lstrip("0")
    return f"{moment:%a} {moment.day} {moment:%b}, {clock} {moment.tzname()}"


def tomorrow_at_nine() -> datetime:
    """Tomorrow 9:00 in the practice's zone: where the picker starts."""
    day = datetime.now(ZONE).date() + timedelta(days=1)
    return datetime.combine(day, time(9), ZONE)


def pick(chart: ChartSession, when: datetime | date, at: str = "09:00") -> None:
    """Type a date (and time) into Send later."""
    chart.tid("send-later-date").fill(f"{when:%Y-%m-%d}")
    chart.tid("send-later-time").fill(at)


def twilio_status(stack: LocalStack, sid: str) -> str:
    """The message's status at the stand-in."""
    message = sandbox_message(stack, sid)
    assert message is not None, sid
    return str(message["status"])


def choose_service(chart: ChartSession) -> None:
    """The Messaging Service as From."""
    option = chart.tid("send-from").locator("option[data-service]", has_text=SERVICE)
    expect(option).to_have_count(1)
    chart.tid("send-from").select_option(option.get_attribute("value"))


def schedule(chart: ChartSession, text: str) -> Locator:
    """Schedule `text` to Maria for tomorrow 9:00 through the service; return its bubble."""
    choose_service(chart)
    chart.tid("send-later").check()
    chart.tid("send-text").fill(text)
    expect(chart.tid("send-button")).to_have_text("Schedule")
    chart.tid("send-button").click()
    sent = bubble(chart, text)
    expect(sent.get_by_test_id("bubble-status")).to_have_attribute("data-status", "scheduled")
    return sent


def test_send_later_needs_a_service_keeps_to_the_window_and_cancels(
    local_stack: LocalStack, open_chart: OpenChart
) -> None:
    chart = open_thread(open_chart, demo_data.MARIA.key)
    send_from(chart, demo_data.MAIN_LINE)
    expect(chart.tid("send-later")).to_be_disabled()
    expect(chart.tid("send-later-why")).to_contain_text("needs a Messaging Service")

    choose_service(chart)
    chart.tid("send-later").check()
    nine = tomorrow_at_nine()
    expect(chart.tid("send-later-date")).to_have_value(f"{nine:%Y-%m-%d}")
    expect(chart.tid("send-later-time")).to_have_value("09:00")
    expect(chart.tid("send-later-when")).to_have_text(
        f"Sends {readable(nine)} ({readable(nine.astimezone(UTC))})."
    )
    soon = datetime.now(ZONE) + timedelta(minutes=settings.SCHEDULE_MIN_AHEAD_MINUTES - 5)
    pick(chart, soon, f"{soon:%H:%M}")
    expect(chart.tid("send-later-when")).to_contain_text("at least")
    chart.tid("send-text").fill("Too soon")
    expect(chart.tid("send-button")).to_be_disabled()
    pick(chart, nine.date() + timedelta(days=settings.SCHEDULE_MAX_AHEAD_DAYS))
    expect(chart.tid("send-later-when")).to_contain_text("at most")
    expect(chart.tid("send-button")).to_be_disabled()
    pick(chart, nine)

    text = f"Your flu shot is tomorrow [{uuid.uuid4().hex[:6]}]"
    chart.tid("send-text").fill(text)
    chart.tid("send-button").click()
    sent = bubble(chart, text)
    utc = readable(nine.astimezone(UTC))
    expect(chart.tid("send-scheduled")).to_have_text(f"Scheduled for {readable(nine)} ({utc}).")
    expect(sent.get_by_test_id("schedule-time")).to_have_text(f"Scheduled for {readable(nine)}")
    sid = sent.get_attribute("data-sid") or ""
    assert twilio_status(local_stack, sid) == "scheduled"
    expect(chart.tid("send-later")).not_to_be_checked()  # the next text goes now, unless asked

    sent.get_by_test_id("schedule-cancel").click()
    expect(sent.get_by_test_id("bubble-status")).to_have_attribute("data-status", "canceled")
    expect(sent.get_by_test_id("schedule-canceled")).to_have_text(
        f"Canceled: not sent (it was scheduled for {readable(nine)})."
    )
    expect(sent.get_by_test_id("schedule-cancel")).to_have_count(0)
    assert twilio_status(local_stack, sid) == "canceled"
    chart.assert_clean()


def test_a_scheduled_text_is_in_the_log_and_goes_out_at_its_time(
    local_stack: LocalStack, open_chart: OpenChart
) -> None:
    chart = open_thread(open_chart, demo_data.MARIA.key)
    text = f"Lab results tomorrow [{uuid.uuid4().hex[:6]}]"
    sent = schedule(chart, text)
    nine = tomorrow_at_nine()

    show_log(chart, MAIN)
    row = item_with_text(chart, text)
    expect(row.get_by_test_id("log-scheduled")).to_have_text(f"for {readable(nine)}")
    detail = open_message(chart, row)
    expect(detail.get_by_test_id("schedule-time")).to_have_text(f"Scheduled for {readable(nine)}")
    expect(detail.get_by_test_id("schedule-cancel")).to_be_enabled()
    chart.tab("send")

    ahead = (nine - datetime.now(UTC)).total_seconds() + 60
    released = requests.post(
        f"{local_stack.sandbox_url}/_sandbox/scheduled/release",
        params={"advanceSeconds": int(ahead)},
        timeout=10,
    )
    assert sent.get_attribute("data-sid") in released.json()["released"]
    expect(sent.get_by_test_id("bubble-status")).to_have_attribute(
        "data-status", "delivered", timeout=LIVE_TIMEOUT_MS
    )
    expect(sent.get_by_test_id("schedule-time")).to_have_text(f"Scheduled for {readable(nine)}")
    expect(sent.get_by_test_id("schedule-cancel")).to_have_count(0)
    chart.assert_clean()


@pytest.mark.usefixtures("maria_texts_main_line")
def test_a_stop_cancels_the_scheduled_text_and_the_thread_says_so(
    local_stack: LocalStack, open_chart: OpenChart
) -> None:
    chart = open_thread(open_chart, demo_data.MARIA.key)
    sent = schedule(chart, f"Reminder: bring your card [{uuid.uuid4().hex[:6]}]")

    patient_texts(local_stack, "STOP")

    expect(sent.get_by_test_id("schedule-canceled")).to_have_attribute(
        "data-by", "stop", timeout=LIVE_TIMEOUT_MS
    )
    expect(sent.get_by_test_id("schedule-canceled")).to_contain_text(
        "Canceled because the patient replied STOP: not sent"
    )
    sid = sent.get_attribute("data-sid") or ""
    assert twilio_status(local_stack, sid) == "canceled"
    chart.assert_clean()


def test_a_cancel_twilio_refuses_with_30409_is_said_in_plain_words(
    local_stack: LocalStack, open_chart: OpenChart
) -> None:
    chart = open_thread(open_chart, demo_data.MARIA.key)
    sent = schedule(chart, f"Your visit is confirmed [{uuid.uuid4().hex[:6]}]")
    sid = sent.get_attribute("data-sid") or ""
    with local_stack.twilio_session() as twilio:  # canceled at Twilio's console: no callback
        twilio.post(
            local_stack.twilio_api_url(f"Messages/{sid}.json"),
            data={"Status": "canceled"},
            timeout=10,
        ).raise_for_status()

    sent.get_by_test_id("schedule-cancel").click()

    expect(sent.get_by_test_id("schedule-error")).to_have_text(ERROR_EXPLANATIONS[30409])
    chart.assert_clean(http_errors=1)  # the 409 of POST /message_cancel
