"""What each busy request costs the database: statements and write transactions, pinned.

On the runner's SQLite every commit is a journal sync, and on PostgreSQL a WAL flush: the
writes of one request go in as few transactions as its guarantees allow. A send commits its
idempotency key before the Twilio POST (a concurrent duplicate must see it) and everything else
once after it; an inbound text, a status callback and a thread that clears the unread texts
commit once. The counts are exact, so a change in either direction updates this table on
purpose (tests/query_ledger.py says how transactions are counted).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from uuid import uuid4

import pytest
from canvas_sdk.test_utils.factories import PatientFactory, StaffFactory
from canvas_sdk.v1.data import Patient

from tests import twilio_json as tj
from tests.plugin_harness import SECRETS, FakeTwilioHttp, Recorded, RouteResult, call_route
from tests.query_ledger import Ledger, ledger
from tests.test_patient_texting import add_phone
from tests.test_webhooks import inbound_params, post_signed, status_params

MAIN = {"numberFrom": "+15550100001", "numberFromSid": tj.sid("PN", 1)}
MOBILE = "+15550123456"
# What the local stack and the bench run with: an automatic reply to every text, a task per
# text, quick replies.
VARIABLES = SECRETS | {
    "AutoReplyText": "Thanks, we will answer soon.",
    "AutoReplyQuietHours": "0",
    "CreateTaskOnInbound": "true",
    "PracticeName": "Riverside",
    "QuickReplies": json.dumps([{"name": "Hi", "text": "Hi {patient_first_name}"}]),
}


@dataclass(frozen=True)
class Budget:
    """What one request may cost: statements read and written, and commits."""

    reads: int
    writes: int
    transactions: int


BUDGETS = {
    # reads: the idempotency key, the number's charts, its opt-outs; the inbox row and unread
    # count pushed. writes: the key (committed before Twilio); then the text, its link, the
    # audit line, the replayable answer and the inbox row, committed together.
    "send": Budget(reads=5, writes=6, transactions=2),
    # reads: the number's charts; the inbox push, the patient's unread count, the SDK's
    # check of each badge's application (no quiet window here: AutoReplyQuietHours is 0).
    # writes: the text, its link, the automatic reply, the inbox row (last text, unread count),
    # committed together.
    "inbound": Budget(reads=6, writes=5, transactions=1),
    # the status moves (one conditional UPDATE); the row is read back for the live update
    "status": Budget(reads=1, writes=1, transactions=1),
    # reads: the patient, the thread (links, texts), phones, opt-outs, who else has the numbers;
    # the inbox push and both badges. writes: the texts and the inbox row read, together.
    "thread_clears_unread": Budget(reads=10, writes=2, transactions=1),
    "thread": Budget(reads=6, writes=2, transactions=1),
}


@dataclass
class Clinic:
    """A clinician, a consenting patient, and Twilio accepting every send with a new sid."""

    staff: dict[str, str]
    maria: Patient
    sids: Callable[[], str]

    def send(self) -> RouteResult:
        payload = MAIN | {
            "numberTo": MOBILE,
            "text": "See you at 9",
            "clientRequestId": uuid4().hex,
            "patientId": str(self.maria.id),
        }
        return call_route("POST", "/sms_send", body=payload, headers=self.staff, secrets=VARIABLES)

    def inbound(self, body: str = "Thank you") -> RouteResult:
        sid = self.sids()
        params = inbound_params(body, MessageSid=sid, SmsSid=sid, SmsMessageSid=sid)
        return post_signed("/inbound_treatment", params, secrets=VARIABLES)

    def status(self, sid: str, status: str) -> RouteResult:
        params = status_params(status, MessageSid=sid, SmsSid=sid, To=MOBILE)
        return post_signed("/outbound_api_status", params, secrets=VARIABLES)

    def thread(self) -> RouteResult:
        path = f"/patients/{self.maria.id}/thread"
        return call_route("GET", path, headers=self.staff, secrets=VARIABLES)


@pytest.fixture
def clinic(twilio: FakeTwilioHttp) -> Clinic:
    numbers = itertools.count(500)

    def created(call: Recorded) -> tuple[int, dict]:
        return 201, tj.message(
            next(numbers), body=call.form["Body"][0], status="queued", date_sent=None
        )

    twilio.on("GET", rf"/IncomingPhoneNumbers/{tj.sid('PN', 1)}\.json", (200, tj.phone(1)))
    twilio.on("POST", r"/Messages\.json", created)
    staff = StaffFactory(first_name="Ana", last_name="Reyes")
    maria = PatientFactory(first_name="Maria", last_name="Lopez")
    add_phone(maria, "555-012-3456", use="mobile", rank=1)
    inbound_sids = (tj.sid("SM", n) for n in itertools.count(9000))
    headers = {"canvas-logged-in-user-type": "Staff", "canvas-logged-in-user-id": str(staff.id)}
    clinic = Clinic(headers, maria, lambda: next(inbound_sids))
    # A working day's state: the sender's capabilities and the staff name are cached, the
    # patient's inbox row exists and the one-off link migration has run.
    assert clinic.send().status == 201
    assert clinic.inbound().status == 200
    assert clinic.thread().status == 200
    return clinic


def within(name: str, book: Ledger) -> None:
    budget = BUDGETS[name]
    spent = Budget(book.reads, book.writes, book.transactions)
    assert spent == budget, f"{name} ran:\n{book.summary()}"


def test_a_send_commits_its_key_then_everything_else_once(clinic: Clinic) -> None:
    with ledger() as book:
        result = clinic.send()

    assert result.status == 201
    within("send", book)


def test_an_inbound_text_is_one_transaction(clinic: Clinic) -> None:
    with ledger() as book:
        result = clinic.inbound()

    assert result.status == 200
    assert b"Thanks, we will answer soon." in result.body
    within("inbound", book)


def test_a_status_callback_is_one_statement_and_a_read(clinic: Clinic) -> None:
    sid = clinic.send().json()["message"]["sid"]

    with ledger() as book:
        result = clinic.status(sid, "sent")

    assert result.status == 200
    within("status", book)


def test_opening_the_thread_clears_the_unread_texts_in_one_transaction(clinic: Clinic) -> None:
    clinic.inbound()

    with ledger() as book:
        result = clinic.thread()

    assert result.status == 200
    within("thread_clears_unread", book)


def test_opening_a_read_thread(clinic: Clinic) -> None:
    with ledger() as book:
        result = clinic.thread()

    assert result.status == 200
    within("thread", book)
