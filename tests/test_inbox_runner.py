"""The practice inbox through the real plugin runner (SQLite and PostgreSQL): an inbound text
reaches the `inbox` channel and the list, triage round-trips, the automatic reply never
answers a keyword and a replayed webhook gets the same answer, and the inbox app loads in the
sandbox.

The stack's OfficeHours are unset (always in hours); out-of-hours replies are covered by
tests/test_inbox.py through the handler with a fixed clock.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from devtools import demo_data
from devtools.bench_client import PluginDriver, public_base_url
from devtools.runner_client import ApiResult
from devtools.stack import LocalStack

pytestmark = pytest.mark.runner

MAIN_LINE = demo_data.MAIN_LINE.phone_number


@pytest.fixture(scope="module")
def plugin(local_stack: LocalStack) -> Iterator[PluginDriver]:
    yield PluginDriver(local_stack.runner, demo_data.AUTH_TOKEN, public_base_url())


def new_number() -> str:
    """A number on nobody's chart that no other test texts from."""
    return f"+1555047{random.randrange(10_000):04d}"


def reply_of(result: ApiResult) -> str:
    text = result.body.decode()
    return text.split("<Message>")[1].split("</Message>")[0] if "<Message>" in text else ""


def inbox_events(result: ApiResult) -> list[dict]:
    return [b.message for b in result.broadcasts if b.channel == "inbox"]


def test_an_inbound_text_reaches_the_inbox_channel_and_the_list(plugin: PluginDriver) -> None:
    number = new_number()

    result = plugin.inbound(number, MAIN_LINE, "Is the clinic open on Saturday?")

    assert result.status == 200
    events = inbox_events(result)
    assert len(events) == 1
    row = events[0]["conversations"][0]
    assert row["id"] == f"number:{number}"
    assert row["lastMessage"] == "Is the clinic open on Saturday?"
    assert row["unread"] == 1
    listed = plugin.get("/inbox", {"filter": "unread", "q": number[-4:]})
    assert listed.status == 200
    assert f"number:{number}" in [r["id"] for r in listed.json()["conversations"]]


def test_done_then_a_new_text_reopens(plugin: PluginDriver) -> None:
    number = new_number()
    plugin.inbound(number, MAIN_LINE, "first")
    key = quote(f"number:{number}", safe="")

    done = plugin.post_json(f"/inbox/conversations/{key}/done", {})
    assert done.status == 200, done.body
    assert done.json()["conversation"]["status"] == "done"
    assert inbox_events(done)[0]["conversations"][0]["status"] == "done"

    again = plugin.inbound(number, MAIN_LINE, "second")
    assert inbox_events(again)[0]["conversations"][0]["status"] == "open"


def test_automatic_replies_never_answer_keywords(plugin: PluginDriver) -> None:
    """The stack sets AutoReplyQuietHours to 0 (every text answered); the 12-hour window is
    covered by tests/test_inbox.py with a fixed clock."""
    number = new_number()

    assert reply_of(plugin.inbound(number, MAIN_LINE, "STOP")) == ""
    assert reply_of(plugin.inbound(number, MAIN_LINE, "START")) == ""
    assert reply_of(plugin.inbound(number, MAIN_LINE, "hello")) == demo_data.AUTO_REPLY_TEXT
    assert reply_of(plugin.inbound(number, MAIN_LINE, "hello again")) == demo_data.AUTO_REPLY_TEXT
    replayed = plugin.inbound(number, MAIN_LINE, "same sid", sid="SM" + "d" * 32)
    again = plugin.inbound(number, MAIN_LINE, "same sid", sid="SM" + "d" * 32)
    assert reply_of(replayed) == reply_of(again) == demo_data.AUTO_REPLY_TEXT


def test_the_inbox_app_opens_in_the_sandbox(local_stack: LocalStack) -> None:
    launch = local_stack.runner.open_app(
        "", demo_data.STAFF.key, target="twilio_sms_mms.handlers.sms_inbox_app:SmsInboxApp"
    )

    assert launch.target == "page"
    assert '<div id="app"></div>' in launch.content
