"""Twilio request budgets per action, counted by the stand-in, through the real runner.

Each action may make at most (here: exactly) its budget of Twilio REST requests. The SDK's own
client would cost more: its list generators walk every page, its send looks the sender up first.
If a change makes an action call Twilio more often, a test here fails and says which route grew.

The stack is the session's, shared with other test files, so this module only adds to it: its
history goes on a practice number of its own (the demo history on the Main line stays), sends go
to numbers on nobody's chart, and faults are cleared before and after.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from uuid import uuid4

import pytest

from devtools import demo_data
from devtools.bench_client import (
    PluginDriver,
    SandboxAdmin,
    SentMessage,
    fresh_texter_number,
    phone_sids,
    public_base_url,
    sent_message,
)
from devtools.runner_client import ApiResult
from devtools.stack import LocalStack

pytestmark = pytest.mark.runner

BUDGET_LINE = "+15550100097"  # a practice number only this module uses
HISTORY = 2_000
MAIN_LINE = demo_data.MAIN_LINE.phone_number

PHONE_LIST = "GET IncomingPhoneNumbers.json"
PHONE_GET = "GET IncomingPhoneNumbers/{Sid}.json"
PHONE_POST = "POST IncomingPhoneNumbers/{Sid}.json"
MESSAGES_LIST = "GET Messages.json"
MESSAGE_CREATE = "POST Messages.json"
MESSAGE_GET = "GET Messages/{Sid}.json"
MEDIA_LIST = "GET Messages/{Sid}/Media.json"
MEDIA_RAW = "GET Messages/{Sid}/Media/{Sid}"


@dataclass
class Budget:
    """The session's stack, seen by this module."""

    admin: SandboxAdmin
    plugin: PluginDriver
    line_sid: str
    cold_send: tuple[ApiResult, dict[str, int]]
    asset_url: str

    def count(self, call: Callable[[], ApiResult]) -> tuple[ApiResult, dict[str, int]]:
        """Run one action; return its answer and the Twilio requests it made, by route."""
        self.admin.reset_stats()
        result = call()
        return result, self.admin.stats()

    def send_from_line(
        self, media: bool = False, text: str = "Budget test: see you Tuesday."
    ) -> ApiResult:
        """Send from the module's own line to a number on nobody's chart (confirmed)."""
        return confirmed_send(
            self.plugin,
            BUDGET_LINE,
            self.line_sid,
            fresh_texter_number(),
            text,
            [self.asset_url] if media else [],
        )


def confirmed_send(
    plugin: PluginDriver,
    number_from: str,
    number_from_sid: str,
    number_to: str,
    text: str,
    media_urls: list[str] | None = None,
) -> ApiResult:
    """POST /sms_send to a number on no chart, the clinician having confirmed (a new draft)."""
    payload: dict[str, object] = {
        "clientRequestId": uuid4().hex,
        "numberFrom": number_from,
        "numberFromSid": number_from_sid,
        "numberTo": number_to,
        "callbackUrl": "",
        "text": text,
        "confirmNoConsent": True,
    }
    if media_urls:
        payload["mediaUrl"] = media_urls
    return plugin.post_json("/sms_send", payload)


def line_sid(stack: LocalStack, number: str) -> str:
    """The PN sid of a practice number, read at the stand-in directly (not through the plugin)."""
    with stack.twilio_session() as session:
        listing = session.get(
            stack.twilio_api_url("IncomingPhoneNumbers.json"), params={"PageSize": 1000}, timeout=30
        )
    listing.raise_for_status()
    sids = {p["phone_number"]: p["sid"] for p in listing.json()["incoming_phone_numbers"]}
    return str(sids[number])


@pytest.fixture(scope="module")
def budget(local_stack: LocalStack) -> Iterator[Budget]:
    """A 2,000-message history on the module's own line; its first send measured on a cold cache.

    The line is new to the runner, so its capabilities cannot be cached yet: the cold send is
    counted here, before any test can load the phone list.
    """
    admin = SandboxAdmin(local_stack.sandbox_url)
    plugin = PluginDriver(local_stack.runner, demo_data.AUTH_TOKEN, public_base_url())
    try:
        admin.clear_faults()
        admin.seed(HISTORY, BUDGET_LINE, numbers=30, media_per_message=3, reset=False)
        budget = Budget(
            admin,
            plugin,
            line_sid(local_stack, BUDGET_LINE),
            (ApiResult(0, {}, b""), {}),
            f"{local_stack.sandbox_url}/_sandbox/assets/red.png",
        )
        budget.cold_send = budget.count(budget.send_from_line)
        yield budget
    finally:
        admin.clear_faults()
        admin.close()


@pytest.fixture(scope="module")
def mms(budget: Budget) -> dict:
    """A seeded message of the module's line with its three images."""
    return budget.admin.message_with_media(BUDGET_LINE, 3)


# Sends --------------------------------------------------------------------------------------


def test_send_on_a_cold_cache_costs_two_requests(budget: Budget) -> None:
    result, made = budget.cold_send

    assert result.status == 201, result.body
    assert made == {PHONE_GET: 1, MESSAGE_CREATE: 1}


def test_send_after_the_sender_was_looked_up_costs_one_request(budget: Budget) -> None:
    budget.count(budget.send_from_line)  # caches the line, whatever ran before

    result, made = budget.count(budget.send_from_line)

    assert result.status == 201, result.body
    assert made == {MESSAGE_CREATE: 1}


def test_send_after_the_phone_list_costs_one_request(budget: Budget) -> None:
    sids = phone_sids(budget.plugin.phone_list())

    result, made = budget.count(
        lambda: confirmed_send(
            budget.plugin, MAIN_LINE, sids[MAIN_LINE], fresh_texter_number(), "Budget"
        )
    )

    assert result.status == 201, result.body
    assert made == {MESSAGE_CREATE: 1}


def test_mms_send_after_the_phone_list_costs_one_request(budget: Budget) -> None:
    budget.plugin.phone_list()

    result, made = budget.count(lambda: budget.send_from_line(media=True))

    assert result.status == 201, result.body
    assert made == {MESSAGE_CREATE: 1}


# Reads --------------------------------------------------------------------------------------


def test_phone_list_costs_one_request(budget: Budget) -> None:
    result, made = budget.count(budget.plugin.phone_list)

    assert result.status == 200, result.body
    assert BUDGET_LINE in phone_sids(result)
    assert made == {PHONE_LIST: 1}


@pytest.mark.parametrize("number", [BUDGET_LINE, MAIN_LINE], ids=["2000-history", "demo"])
def test_log_first_page_costs_one_request(budget: Budget, number: str) -> None:
    result, made = budget.count(lambda: budget.plugin.message_page(number, "from", 50))

    assert result.status == 200, result.body
    assert len(result.json()["messages"]) > 0
    assert made == {MESSAGES_LIST: 1}


def test_log_next_page_costs_one_request_deep_in_a_big_history(budget: Budget) -> None:
    cursor = budget.plugin.message_page(BUDGET_LINE, "to", 50).json()["nextPage"]
    seen = 1
    for _ in range(5):  # page 6 of the inbound side: still one request
        assert cursor, "the 2,000-message history should have more pages"
        result, made = budget.count(
            partial(budget.plugin.message_page, BUDGET_LINE, "to", 50, cursor)
        )
        assert result.status == 200, result.body
        assert made == {MESSAGES_LIST: 1}, f"page {seen + 1}"
        cursor, seen = result.json()["nextPage"], seen + 1


def test_message_details_with_media_cost_two_parallel_requests(budget: Budget, mms: dict) -> None:
    result, made = budget.count(lambda: budget.plugin.get(f"/message/{mms['sid']}"))

    assert result.status == 200, result.body
    assert len(result.json()["media"]) == 3
    assert made == {MESSAGE_GET: 1, MEDIA_LIST: 1}


def test_media_list_costs_one_request(budget: Budget, mms: dict) -> None:
    result, made = budget.count(lambda: budget.plugin.get(f"/medias/{mms['sid']}"))

    assert result.status == 200, result.body
    assert made == {MEDIA_LIST: 1}


def test_one_media_item_costs_one_request(budget: Budget, mms: dict) -> None:
    media_sid = mms["media"][0]["sid"]

    result, made = budget.count(lambda: budget.plugin.get(f"/medias/{mms['sid']}/{media_sid}"))

    assert result.status == 200
    assert result.body.startswith(b"\x89PNG")
    assert made == {MEDIA_RAW: 1}


def test_set_inbound_webhook_costs_one_request(budget: Budget) -> None:
    inbound_url = budget.plugin.phone_list().json()["pluginUrls"]["inbound"]

    result, made = budget.count(
        lambda: budget.plugin.post_json(
            f"/inbound_webhook/{budget.line_sid}", {"url": inbound_url, "method": "POST"}
        )
    )

    assert result.status == 200, result.body
    assert result.json()["phone"]["usesPluginInbound"] is True
    assert made == {PHONE_POST: 1}


# No Twilio request at all --------------------------------------------------------------------


def test_opening_the_app_costs_nothing(budget: Budget) -> None:
    budget.admin.reset_stats()

    page = budget.plugin.open_app(demo_data.MARIA.key)

    assert page
    assert budget.admin.stats() == {}


def test_patient_thread_costs_nothing(budget: Budget) -> None:
    result, made = budget.count(
        lambda: budget.plugin.get(f"/patients/{demo_data.MARIA.key}/thread")
    )

    assert result.status == 200, result.body
    assert made == {}


def test_inbound_webhook_costs_nothing(budget: Budget) -> None:
    result, made = budget.count(
        lambda: budget.plugin.inbound(fresh_texter_number(), BUDGET_LINE, "Budget test hello")
    )

    assert result.status == 200, result.body
    assert result.body.lstrip().startswith(b"<?xml") or b"<Response" in result.body
    assert made == {}


def test_status_callback_costs_nothing(budget: Budget) -> None:
    sent: SentMessage = sent_message(budget.send_from_line())

    result, made = budget.count(lambda: budget.plugin.status(sent, "sent"))

    assert result.status == 200, result.body
    assert made == {}


def test_an_unsigned_webhook_is_refused_without_a_request(budget: Budget) -> None:
    """The counters are only meaningful if webhooks really are verified."""
    budget.plugin.auth_token, token = "not-the-token", budget.plugin.auth_token
    try:
        result, made = budget.count(
            lambda: budget.plugin.inbound(fresh_texter_number(), BUDGET_LINE, "forged")
        )
    finally:
        budget.plugin.auth_token = token

    assert result.status == 403
    assert made == {}


def test_unmatched_and_audit_cost_nothing(budget: Budget) -> None:
    budget.send_from_line()

    unmatched, unmatched_made = budget.count(lambda: budget.plugin.get("/unmatched"))
    audit, audit_made = budget.count(lambda: budget.plugin.get("/audit"))

    assert unmatched.status == 200 and audit.status == 200, (unmatched.body, audit.body)
    assert json.loads(audit.body)["entries"][0]["action"] == "send"
    assert unmatched_made == {} and audit_made == {}


def test_patient_thread_with_an_unknown_send_costs_one_lookup(
    budget: Budget, local_stack: LocalStack
) -> None:
    """Only an unknown send costs a request when the thread opens: one lookup, then none."""
    patient = demo_data.MARIA
    text = f"Budget test: unknown {uuid4().hex[:8]}"
    budget.admin.http.post(
        f"{local_stack.sandbox_url}/_sandbox/faults", json={"dropAfterAccept": 1}, timeout=5
    ).raise_for_status()
    sids = phone_sids(budget.plugin.phone_list())
    payload = {
        "clientRequestId": uuid4().hex,
        "numberFrom": MAIN_LINE,
        "numberFromSid": sids[MAIN_LINE],
        "numberTo": patient.phones[0].value,
        "callbackUrl": "",
        "text": text,
        "patientId": patient.key,
    }
    sent = budget.plugin.post_json("/sms_send", payload)
    assert sent.status == 202, sent.body

    key = payload["clientRequestId"]
    deadline = time.monotonic() + 20
    while True:
        opened, made = budget.count(lambda: budget.plugin.get(f"/patients/{patient.key}/thread"))
        [mine] = [m for m in opened.json()["messages"] if m["clientRequestId"] == key]
        if mine["status"] != "unknown":
            # Resolved by this open's one lookup, or earlier by the stand-in's status callback.
            assert made in ({MESSAGES_LIST: 1}, {}), made
            break
        assert made == {MESSAGES_LIST: 1}, made  # still unknown: one lookup per open
        assert time.monotonic() < deadline, "the unknown send was never resolved"
        time.sleep(0.3)

    _, again = budget.count(lambda: budget.plugin.get(f"/patients/{patient.key}/thread"))
    assert again == {}
