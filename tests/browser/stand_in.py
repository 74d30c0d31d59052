"""Small helpers for the browser tests: what the Twilio stand-in holds, and ways to add to it.

These go to the stand-in directly (like a look at Twilio's console); what the clinician sees is
always checked in the browser.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests

from devtools import demo_data
from devtools.stack import LocalStack

MAIN = demo_data.MAIN_LINE.phone_number
FRONT_DESK = demo_data.SMS_LINE.phone_number
MARIA_MOBILE = demo_data.MARIA.phones[0].value
UNDELIVERABLE = "+15550130003"
INVALID_NUMBER = "+15005550001"
PAGE_SIZE = 50
BENCH_MESSAGES = 100


def sandbox_messages(
    stack: LocalStack, *, to: str | None = None, sender: str | None = None, limit: int = 1000
) -> list[dict[str, Any]]:
    """The stand-in's messages (newest first), optionally filtered by To / From."""
    params: dict[str, str | int] = {"limit": limit}
    if to:
        params["to"] = to
    if sender:
        params["from"] = sender
    reply = requests.get(f"{stack.sandbox_url}/_sandbox/messages", params=params, timeout=10)
    reply.raise_for_status()
    return list(reply.json()["messages"])


def sandbox_message(stack: LocalStack, sid: str) -> dict[str, Any] | None:
    """One message of the stand-in by sid, or None if it is not there."""
    return next((m for m in sandbox_messages(stack) if m["sid"] == sid), None)


def create_outbound(stack: LocalStack, sender: str, recipient: str, body: str) -> str:
    """Send a text through the stand-in's REST API (not through the plugin); return its sid."""
    with stack.twilio_session() as session:
        reply = session.post(
            stack.twilio_api_url("Messages.json"),
            data={"From": sender, "To": recipient, "Body": body},
            timeout=10,
        )
    reply.raise_for_status()
    return str(reply.json()["sid"])


def ensure_outbound_pages(stack: LocalStack, number: str, minimum: int) -> int:
    """Make sure `number` has sent at least `minimum` texts, bench-seeding (reset false) if not.

    Returns how many it has sent. The bench seed adds texts between `number` and +1555020xxxx
    numbers (on no chart), newest of all, without calling any webhook. Its generator is
    deterministic: 100 texts are 54 outbound and 46 inbound, so the Front desk's "received at"
    list (2 demo texts) still fits on one page while its "sent from" list gets a second one.
    """
    sent = len(sandbox_messages(stack, sender=number))
    if sent >= minimum:
        return sent
    reply = requests.post(
        f"{stack.sandbox_url}/_sandbox/seed",
        json={
            "messages": BENCH_MESSAGES,
            "numbers": 3,
            "mediaPerMessage": 0,
            "practiceNumber": number,
            "reset": False,
        },
        timeout=30,
    )
    reply.raise_for_status()
    return len(sandbox_messages(stack, sender=number))


def wait_for(
    probe: Callable[[], Any], *, timeout: float = 10.0, every: float = 0.1, what: str = ""
) -> Any:
    """Call `probe` until it returns something truthy; return that, or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what or probe}")
        time.sleep(every)
