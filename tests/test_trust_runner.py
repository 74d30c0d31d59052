"""Consent, history and exactly-once through the real runner and the Twilio stand-in.

The stack is the session's, shared with other test files: every text here is unique, the chart
change is undone afterwards, and faults are cleared.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from typing import Any
from uuid import uuid4

import pytest
import requests

from devtools import demo_data
from devtools.bench_client import PluginDriver, SandboxAdmin, phone_sids, public_base_url
from devtools.runner_client import ApiResult, canvas_database_path
from devtools.stack import LocalStack

pytestmark = pytest.mark.runner

MAIN_LINE = demo_data.MAIN_LINE.phone_number
JOHNS = demo_data.JOHN.phones[0].value
MARIAS_MOBILE = demo_data.MARIA.phones[0].value
MARIAS_HOME = demo_data.MARIA.phones[1].value
MESSAGE_CREATE = "POST Messages.json"
CONTACT_POINTS = "canvas_sdk_data_api_patientcontactpoint_001"
PATIENTS = "canvas_sdk_data_api_patient_001"


class Trust:
    """The session's stack, seen by this module."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.admin = SandboxAdmin(stack.sandbox_url)
        self.plugin = PluginDriver(stack.runner, demo_data.AUTH_TOKEN, public_base_url())
        self.main_sid = phone_sids(self.plugin.phone_list())[MAIN_LINE]

    def send(self, number_to: str, text: str, **fields: Any) -> ApiResult:
        """POST /sms_send from the Main line; a fresh clientRequestId unless one is given."""
        payload = {
            "clientRequestId": uuid4().hex,
            "numberFrom": MAIN_LINE,
            "numberFromSid": self.main_sid,
            "numberTo": number_to,
            "text": text,
            "callbackUrl": "",
        }
        return self.plugin.post_json("/sms_send", payload | fields)

    def thread(self, patient_key: str) -> list[dict]:
        """The messages of a patient's thread (opening it, as the app does)."""
        result = self.plugin.get(f"/patients/{patient_key}/thread")
        assert result.status == 200, result.body
        return list(result.json()["messages"])

    def posts(self) -> int:
        """Sends that reached the stand-in since the last reset."""
        return self.admin.stats().get(MESSAGE_CREATE, 0)

    def at_twilio(self, text: str) -> list[dict]:
        """The stand-in's messages with this body."""
        return [m for m in self.admin.messages(500, from_=MAIN_LINE) if m["body"] == text]

    def faults(self, **plan: int) -> None:
        response = requests.post(f"{self.stack.sandbox_url}/_sandbox/faults", json=plan, timeout=5)
        response.raise_for_status()

    def execute(self, sql: str, *params: str) -> None:
        """Change the runner's Canvas database directly, as the EHR would (`?` placeholders)."""
        if self.stack.postgres is not None:
            import psycopg

            with psycopg.connect(self.stack.postgres.admin_dsn) as connection:
                connection.execute(sql.replace("?", "%s"), params)
            return
        with closing(sqlite3.connect(canvas_database_path(), timeout=30)) as connection:
            connection.execute(sql, params)
            connection.commit()

    def move_number(self, number: str, patient_key: str) -> None:
        """Put a contact point on another patient's chart."""
        self.execute(
            f"UPDATE {CONTACT_POINTS} SET patient_id = "
            f"(SELECT dbid FROM {PATIENTS} WHERE key = ?) WHERE value = ?",
            patient_key,
            number,
        )


@pytest.fixture(scope="module")
def trust(local_stack: LocalStack) -> Iterator[Trust]:
    module = Trust(local_stack)
    module.admin.clear_faults()
    try:
        yield module
    finally:
        module.admin.clear_faults()
        module.admin.close()


def unique(text: str) -> str:
    return f"{text} [{uuid4().hex[:8]}]"


# Consent ------------------------------------------------------------------------------------


@pytest.mark.parametrize("patient_key", [demo_data.MARIA.key, ""], ids=["marias-chart", "none"])
def test_johns_opted_out_number_is_refused_from_any_chart(trust: Trust, patient_key: str) -> None:
    trust.admin.reset_stats()
    fields: dict[str, Any] = {"confirmNoConsent": True}
    if patient_key:
        fields["patientId"] = patient_key

    result = trust.send(JOHNS, unique("Trust: consent"), **fields)

    assert result.status == 409, result.body
    error = result.json()["error"]
    assert error["reason"] == "opted_out"
    assert "a patient's chart" in error["message"] and "John" not in error["message"]
    assert trust.posts() == 0


# History ------------------------------------------------------------------------------------


def test_history_stays_with_maria_when_her_number_moves_to_ada(trust: Trust) -> None:
    sent, replied, later = unique("Trust: to Maria"), unique("Maria replies"), unique("Ada now")
    assert trust.send(MARIAS_HOME, sent, patientId=demo_data.MARIA.key).status == 201
    assert trust.plugin.inbound(MARIAS_HOME, MAIN_LINE, replied).status == 200
    trust.move_number(MARIAS_HOME, demo_data.ADA.key)
    try:
        assert trust.plugin.inbound(MARIAS_HOME, MAIN_LINE, later).status == 200

        ada = [m["body"] for m in trust.thread(demo_data.ADA.key)]
        maria = [m["body"] for m in trust.thread(demo_data.MARIA.key)]
    finally:
        trust.move_number(MARIAS_HOME, demo_data.MARIA.key)

    assert sent not in ada and replied not in ada and later in ada
    assert sent in maria and replied in maria and later not in maria


# Exactly once -------------------------------------------------------------------------------


def test_the_same_client_request_id_twice_posts_once(trust: Trust) -> None:
    text, key = unique("Trust: double click"), uuid4().hex
    trust.admin.reset_stats()

    first = trust.send(MARIAS_MOBILE, text, clientRequestId=key, patientId=demo_data.MARIA.key)
    second = trust.send(MARIAS_MOBILE, text, clientRequestId=key, patientId=demo_data.MARIA.key)

    assert (first.status, second.status) == (201, 201), (first.body, second.body)
    assert second.json()["replayed"] is True
    assert second.json()["message"]["sid"] == first.json()["message"]["sid"]
    assert trust.posts() == 1
    assert len(trust.at_twilio(text)) == 1


def test_a_send_whose_answer_is_lost_is_unknown_then_resolved(trust: Trust) -> None:
    text, key = unique("Trust: dropped answer"), uuid4().hex
    trust.faults(dropAfterAccept=1)

    result = trust.send(MARIAS_MOBILE, text, clientRequestId=key, patientId=demo_data.MARIA.key)

    assert result.status == 202, result.body
    body = result.json()
    assert (body["message"]["sid"], body["message"]["status"]) == (None, "unknown")
    assert body["clientRequestId"] == key and "may have been sent" in body["notice"]
    [stored] = trust.at_twilio(text)  # Twilio has it, exactly once
    shown = [m for m in trust.thread(demo_data.MARIA.key) if m["clientRequestId"] == key]
    assert len(shown) == 1 and shown[0]["body"] == text

    deadline = time.monotonic() + 20  # the stand-in lists it once it has left the queue
    while trust.at_twilio(text)[0]["status"] == "queued" and time.monotonic() < deadline:
        time.sleep(0.2)
    resolved = [m for m in trust.thread(demo_data.MARIA.key) if m["clientRequestId"] == key]

    assert len(resolved) == 1
    assert resolved[0]["sid"] == stored["sid"] and resolved[0]["status"] != "unknown"
    replay = trust.send(MARIAS_MOBILE, text, clientRequestId=key, patientId=demo_data.MARIA.key)
    assert replay.json()["replayed"] is True
    assert len(trust.at_twilio(text)) == 1  # never posted again
