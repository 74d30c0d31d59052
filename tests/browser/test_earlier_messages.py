"""Earlier messages in the chart pane's thread: the newest page opens at the bottom; scrolling to
the top (or the Earlier messages button, from the keyboard) brings the page before, and what the
clinician was reading stays where it was on the screen.

Real stack: the plugin in `canvas run-plugin`, the Twilio stand-in, the chart preview, Chromium.
Maria's 110 texts are written straight into the plugin's tables (the runner's SQLite file or
PostgreSQL namespace): through the stand-in they would also fill the Main line's Log at Twilio,
whose first page other tests read.
"""

from __future__ import annotations

import sqlite3
import uuid
from contextlib import closing
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from playwright.sync_api import expect

from devtools import demo_data
from devtools.runner_client import canvas_database_path
from devtools.stack import LocalStack
from tests.browser.conftest import ChartSession, OpenChart
from tests.browser.test_patient_thread import open_thread

pytestmark = pytest.mark.browser

MARIA = demo_data.MARIA
NAMESPACE = "twilio__sms_mms"
JSON_COLUMNS = {"media_urls", "media_types", "patient_ids"}
TEXTS = 110  # three pages at least: one for the keyboard, one or more for scrolling
PAGE = 50
MAX_PAGES = 40
BUBBLES = "[data-testid=thread-message]"
# Scrolls the thread to the top; says which bubble is on top and where it is on the screen.
TO_TOP = """(box) => {
  box.scrollTop = 0;
  const first = box.querySelector('[data-testid=thread-message]:not([data-sid=""])');
  return { sid: first.dataset.sid, top: first.getBoundingClientRect().top };
}"""
TOP_OF = """(box, sid) =>
  box.querySelector(`[data-testid=thread-message][data-sid="${sid}"]`).getBoundingClientRect().top"""


def store_texts(stack: LocalStack, bodies: list[str]) -> None:
    """Maria's texts to the Main line as the plugin records them: a millisecond apart, to now."""
    start = datetime.now(UTC) - timedelta(seconds=1)
    messages, links = [], []
    for n, body in enumerate(bodies):
        sid, moment = f"SM{uuid.uuid4().hex}", start + timedelta(milliseconds=n)
        messages.append(
            {
                "sid": sid,
                "direction": "inbound",
                "practice_number": demo_data.MAIN_LINE.phone_number,
                "patient_number": MARIA.phones[0].value,
                "body": body,
                "media_urls": "[]",
                "media_types": "[]",
                "status": "received",
                "staff_id": "",
                "staff_name": "",
                "patient_ids": f'["{MARIA.key}"]',
                "matched": True,
                "read": True,
                "created": moment,
                "updated": moment,
                "recorded": True,
                "deleted": False,
            }
        )
        links.append({"message_sid": sid, "patient_id": MARIA.key, "read": True, "created": moment})
    for table, rows in (("textmessage", messages), ("messagelink", links)):
        insert(stack, table, rows)


def insert(stack: LocalStack, table: str, rows: list[dict]) -> None:
    """Insert rows into one of the plugin's tables, on the stack's database."""
    columns = list(rows[0])
    if stack.postgres is None:  # SQLite: datetimes as Django writes them (naive UTC text)
        naive = [
            [str(v.replace(tzinfo=None)) if isinstance(v, datetime) else v for v in row.values()]
            for row in rows
        ]
        with closing(sqlite3.connect(canvas_database_path(), timeout=30)) as db:
            marks = ", ".join("?" * len(columns))
            db.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", naive)
            db.commit()
        return
    marks = ", ".join("%s::jsonb" if c in JSON_COLUMNS else "%s" for c in columns)
    with psycopg.connect(stack.postgres.admin_dsn) as db:
        db.cursor().executemany(
            f"INSERT INTO {NAMESPACE}.{table} ({', '.join(columns)}) VALUES ({marks})",
            [list(row.values()) for row in rows],
        )


def more_than(chart: ChartSession, count: int) -> None:
    """Wait until the thread holds more than `count` bubbles."""
    chart.app_frame().wait_for_function(
        f"() => document.querySelectorAll('{BUBBLES}').length > {count}", timeout=10_000
    )


def test_earlier_messages_arrive_on_scroll_and_from_the_keyboard_in_place(
    local_stack: LocalStack, open_chart: OpenChart
) -> None:
    run = uuid.uuid4().hex[:6]
    sent = [f"page test {run} #{n:03d}" for n in range(TEXTS)]
    store_texts(local_stack, sent)
    chart = open_thread(open_chart, MARIA.key)
    box = chart.tid("thread")
    newest = chart.tid("bubble-body").filter(has_text=sent[-1])
    expect(newest).to_be_in_viewport()
    expect(chart.tid("thread-message")).to_have_count(PAGE)

    # From the keyboard, without scrolling: the page before goes on top, the newest stays in view.
    chart.tid("thread-earlier").evaluate("(button) => button.focus({ preventScroll: true })")
    chart.page.keyboard.press("Enter")
    more_than(chart, PAGE)
    expect(newest).to_be_in_viewport()

    # Scrolling: each time the top is reached the page before arrives and the reading stays put.
    for scrolled in range(MAX_PAGES):
        if chart.tid("thread-earlier").count() == 0:
            assert scrolled > 0, "scrolling brought no page"
            break
        shown = chart.tid("thread-message").count()
        top = box.evaluate(TO_TOP)
        more_than(chart, shown)
        moved = box.evaluate(TOP_OF, top["sid"]) - top["top"]
        assert abs(moved) < 2, f"the bubble that was on top moved {moved} px"
    else:
        raise AssertionError("the thread never reached its first page")

    bodies = chart.tid("bubble-body").all_inner_texts()
    assert [body for body in bodies if run in body] == sent, "every text once, in order"
    sids = chart.app.locator(BUBBLES).evaluate_all("(nodes) => nodes.map((n) => n.dataset.sid)")
    assert len([sid for sid in sids if sid]) == len({sid for sid in sids if sid})
    chart.assert_clean()
