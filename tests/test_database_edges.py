"""What a texter may send that one database stores and the other refuses.

PostgreSQL refuses NUL (U+0000) in text columns where SQLite keeps it. A text is Twilio's to
deliver, not ours to refuse: a signed inbound webhook carrying a NUL must still be stored and
shown (the NUL replaced), and answer 200, or Twilio retries a webhook that can never succeed and
the patient's text is lost. A NUL in a number is bad input: never a server error (500 is what
PostgreSQL turns it into today). Runs on both databases.
"""

from __future__ import annotations

import pytest

from devtools import demo_data
from devtools.bench_client import PluginDriver, SentMessage, new_message_sid, public_base_url
from devtools.stack import LocalStack

pytestmark = pytest.mark.runner

MARIA = demo_data.MARIA
MAIN_LINE = demo_data.MAIN_LINE.phone_number


@pytest.fixture(scope="module")
def plugin(local_stack: LocalStack) -> PluginDriver:
    return PluginDriver(local_stack.runner, demo_data.AUTH_TOKEN, public_base_url())


def test_an_inbound_text_with_a_nul_is_stored_and_shown(plugin: PluginDriver) -> None:
    sid = new_message_sid()

    answer = plugin.inbound(MARIA.phones[0].value, MAIN_LINE, "before\x00after", sid)

    assert answer.status == 200, answer.body[:200]
    thread = plugin.get(f"/patients/{MARIA.key}/thread", {"markRead": "0"})
    shown = [m for m in thread.json()["messages"] if m.get("sid") == sid]
    assert len(shown) == 1
    assert shown[0]["body"].startswith("before") and shown[0]["body"].endswith("after")
    assert "\x00" not in shown[0]["body"]


@pytest.mark.parametrize(
    ("number_from", "number_to"),
    [(MAIN_LINE + "\x00", MARIA.phones[0].value), (MAIN_LINE, "+1555\x000123456")],
    ids=["nul-in-from", "nul-in-to"],
)
def test_a_status_callback_with_a_nul_in_a_number_is_no_server_error(
    plugin: PluginDriver, number_from: str, number_to: str
) -> None:
    answer = plugin.status(SentMessage(new_message_sid(), number_from, number_to), "sent")

    assert answer.status < 500, answer.body[:200]


def test_an_inbound_text_from_a_number_with_a_nul_is_no_server_error(plugin: PluginDriver) -> None:
    answer = plugin.inbound("+1555031\x009999", MAIN_LINE, "hello")

    assert answer.status < 500, answer.body[:200]
