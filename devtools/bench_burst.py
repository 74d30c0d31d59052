"""The webhook burst of `make bench`: what Twilio sends a busy practice, at once, on each database.

90 texts are sent through the plugin first: half to Maria's mobile (they end delivered), half to
the stand-in's unreachable handset (undelivered, error 30003), the same ends the stand-in's own
callbacks report, if they run. Then 300 signed status callbacks (sending, sent and the final
status of each text, plus 30 replays of random ones) and 50 inbound texts (half from a patient,
half from unknown numbers) are shuffled and posted by 20 concurrent clients through the runner's
gRPC, both SimpleAPI passes each. The runner serves them with its worker pool.

Afterwards the plugin's rows are read from the runner's own database (SQLite file or PostgreSQL):

- **lost**: a text not at the most advanced status it was sent (or without its error code), or
  an inbound text not stored;
- **duplicated**: a sid stored more than once, linked to a patient more than once, or an inbound
  text announced (Broadcast) more than once;
- **regressed**: a text whose stored status ranks below a status the plugin already announced
  for it (a live update the UI showed, then lost).
"""

from __future__ import annotations

import random
import secrets
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psycopg

from devtools import demo_data
from devtools.bench_client import (
    BenchError,
    PluginDriver,
    SandboxAdmin,
    SentMessage,
    fresh_texter_number,
    new_message_sid,
    phone_sids,
    sent_message,
)
from devtools.bench_stats import Timing
from devtools.runner_client import ApiResult, canvas_database_path
from devtools.stack import LocalStack
from devtools.twilio_sandbox.lifecycle import UNREACHABLE_HANDSET
from twilio_sms_mms.constants.statuses import status_rank

SENDS = 90
REPLAYS = 30
INBOUND = 50
CONCURRENCY = 20
# (recipient, final status, its error code), alternately: what the stand-in does for each.
RECIPIENTS: tuple[tuple[str, str, int | None], ...] = (
    (demo_data.MARIA.phones[0].value, "delivered", None),
    (UNREACHABLE_HANDSET, "undelivered", 30003),
)
MAIN_LINE = demo_data.MAIN_LINE.phone_number
MARIA = demo_data.MARIA
MARIA_MOBILE = MARIA.phones[0].value
NAMESPACE = "twilio__sms_mms"
# The plugin's tables (CustomModel: the lower-case class name) and the columns read here.
MESSAGES_TABLE = "textmessage"
LINKS_TABLE = "messagelink"


@dataclass(frozen=True)
class Webhook:
    """One signed webhook to post: a status callback or an inbound text."""

    kind: str  # "status" | "inbound"
    sid: str
    number_to: str = ""
    status: str = ""
    error_code: int | None = None
    number_from: str = ""
    body: str = ""


@dataclass(frozen=True)
class Answer:
    """A webhook's answer and how long it took (ms)."""

    webhook: Webhook
    result: ApiResult
    ms: float


@dataclass(frozen=True)
class BurstResult:
    """What the burst measured on one database."""

    database: str
    workers: int
    webhooks: int
    concurrency: int
    seconds: float
    latency: Timing
    lost: int
    duplicated: int
    regressed: int
    refused: int  # answers other than 200

    @property
    def per_second(self) -> float:
        return self.webhooks / self.seconds

    @property
    def clean(self) -> bool:
        """Nothing lost, duplicated, regressed or refused."""
        return not (self.lost or self.duplicated or self.regressed or self.refused)


@dataclass(frozen=True)
class StoredRow:
    """The plugin's row of a sid: status, error code."""

    status: str
    error_code: int | None


class StoredMessages:
    """Reads the plugin's tables from the runner's database (SQLite file or PostgreSQL)."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    def _query(self, template: str, params: Sequence[str]) -> list[tuple]:
        """Run `template` ({schema} and {marks} filled in per database) with `params`."""
        if self.stack.postgres is None:
            uri = f"file:{canvas_database_path()}?mode=ro"
            with sqlite3.connect(uri, uri=True) as lite:
                marks = ",".join("?" * len(params))
                return lite.execute(template.format(schema="", marks=marks), params).fetchall()
        with psycopg.connect(self.stack.postgres.admin_dsn) as conn:
            marks = ",".join(["%s"] * len(params))
            query = template.format(schema=f"{NAMESPACE}.", marks=marks)
            return conn.execute(query.encode(), params).fetchall()

    def rows(self, sids: Sequence[str]) -> dict[str, list[StoredRow]]:
        """Every row held for each sid."""
        found: dict[str, list[StoredRow]] = defaultdict(list)
        query = (
            f"SELECT sid, status, error_code FROM {{schema}}{MESSAGES_TABLE} "
            "WHERE sid IN ({marks})"
        )
        for sid, status, error_code in self._query(query, sids):
            found[sid].append(StoredRow(status, error_code))
        return found

    def duplicate_links(self, sids: Sequence[str]) -> int:
        """(sid, patient) pairs linked more than once."""
        query = (
            f"SELECT message_sid, patient_id, COUNT(*) FROM {{schema}}{LINKS_TABLE} "
            "WHERE message_sid IN ({marks}) GROUP BY message_sid, patient_id HAVING COUNT(*) > 1"
        )
        return len(self._query(query, sids))


def send_texts(plugin: PluginDriver, admin: SandboxAdmin, count: int) -> list[SentMessage]:
    """Send `count` texts, alternately to each of RECIPIENTS (no injected delay meanwhile)."""
    line = phone_sids(plugin.phone_list())[MAIN_LINE]
    admin.set_delay(0)
    sent = []
    try:
        for i in range(count):
            number_to = RECIPIENTS[i % len(RECIPIENTS)][0]
            patient = MARIA.key if number_to == MARIA_MOBILE else ""
            answer = plugin.send(
                MAIN_LINE,
                line,
                number_to,
                f"Burst {i}: see you Tuesday.",
                patient_id=patient,
                confirm_no_consent=not patient,
            )
            sent.append(sent_message(answer))
    finally:
        admin.clear_faults()
    return sent


def burst_webhooks(
    sent: Sequence[SentMessage], rng: random.Random
) -> tuple[list[Webhook], dict[str, tuple[str, int | None]]]:
    """The shuffled burst and, per sent sid, the (status, error code) it must end at."""
    expected: dict[str, tuple[str, int | None]] = {}
    callbacks: list[Webhook] = []
    ends = {number: (final, code) for number, final, code in RECIPIENTS}
    for message in sent:
        final, code = ends[message.number_to]
        expected[message.sid] = (final, code)
        for status, error in (("sending", None), ("sent", None), (final, code)):
            callbacks.append(Webhook("status", message.sid, message.number_to, status, error))
    callbacks += rng.sample(callbacks, REPLAYS)
    inbound = [
        Webhook(
            "inbound",
            new_message_sid(),
            number_from=MARIA_MOBILE if i % 2 == 0 else fresh_texter_number(),
            body=f"Burst reply {i} {secrets.token_hex(3)}",
        )
        for i in range(INBOUND)
    ]
    webhooks = callbacks + inbound
    rng.shuffle(webhooks)
    return webhooks, expected


def post(plugin: PluginDriver, webhook: Webhook) -> Answer:
    """Post one webhook through the runner and time it."""
    began = time.perf_counter()
    if webhook.kind == "status":
        message = SentMessage(webhook.sid, MAIN_LINE, webhook.number_to)
        result = plugin.status(message, webhook.status, webhook.error_code)
    else:
        result = plugin.inbound(webhook.number_from, MAIN_LINE, webhook.body, webhook.sid)
    return Answer(webhook, result, (time.perf_counter() - began) * 1000)


def announced_ranks(answers: Sequence[Answer]) -> dict[str, int]:
    """The highest status rank the plugin announced (Broadcast) per sid."""
    ranks: dict[str, int] = {}
    for answer in answers:
        for broadcast in answer.result.broadcasts:
            event = broadcast.message
            if event.get("type") == "status" and isinstance(event.get("sid"), str):
                rank = status_rank(str(event.get("status")))
                ranks[event["sid"]] = max(rank, ranks.get(event["sid"], rank))
    return ranks


def judge(
    stored: StoredMessages,
    answers: Sequence[Answer],
    expected: dict[str, tuple[str, int | None]],
) -> tuple[int, int, int]:
    """(lost, duplicated, regressed) per the module's definitions."""
    inbound = sorted({a.webhook.sid for a in answers if a.webhook.kind == "inbound"})
    rows = stored.rows([*expected, *inbound])
    announced = announced_ranks(answers)
    lost = duplicated = regressed = 0
    for sid, (status, code) in expected.items():
        held = rows.get(sid, [])
        duplicated += len(held) > 1
        if not held or (held[0].status, held[0].error_code) != (status, code):
            lost += 1
        if held and status_rank(held[0].status) < announced.get(sid, -99):
            regressed += 1
    for sid in inbound:
        held = rows.get(sid, [])
        lost += not held
        duplicated += len(held) > 1
    live = Counter(
        b.message["message"].get("sid")
        for a in answers
        if a.webhook.kind == "inbound"
        for b in a.result.broadcasts
        if b.message.get("type") == "message" and isinstance(b.message.get("message"), dict)
    )
    duplicated += sum(1 for count in live.values() if count > 1)
    duplicated += stored.duplicate_links([*expected, *inbound])
    return lost, duplicated, regressed


def run_burst(
    stack: LocalStack,
    plugin: PluginDriver,
    admin: SandboxAdmin,
    *,
    seed: int = 13,
    log: Callable[[str], None] = print,
) -> BurstResult:
    """Send the texts, fire the burst, read the rows back; the result on this stack's database."""
    rng = random.Random(seed)
    sent = send_texts(plugin, admin, SENDS)
    webhooks, expected = burst_webhooks(sent, rng)
    log(f"burst on {stack.db}: {len(webhooks)} webhooks, {CONCURRENCY} concurrent")
    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        answers = list(pool.map(lambda hook: post(plugin, hook), webhooks))
    seconds = time.perf_counter() - began
    if not answers:
        raise BenchError("the burst posted nothing")
    lost, duplicated, regressed = judge(StoredMessages(stack), answers, expected)
    return BurstResult(
        database=stack.db,
        workers=stack.runner_process.max_workers,
        webhooks=len(answers),
        concurrency=CONCURRENCY,
        seconds=seconds,
        latency=Timing.of([a.ms for a in answers]),
        lost=lost,
        duplicated=duplicated,
        regressed=regressed,
        refused=sum(1 for a in answers if a.result.status != 200),
    )


def burst_table(results: Sequence[BurstResult]) -> list[str]:
    """Markdown table of the burst on each database."""
    lines = [
        "| database | runner workers | webhooks | concurrent | webhooks/s | median ms | p95 ms "
        "| lost | duplicated | regressed | not 200 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.database} | {r.workers} | {r.webhooks} | {r.concurrency} "
            f"| {r.per_second:.0f} | {r.latency.median:.1f} | {r.latency.p95:.1f} "
            f"| {r.lost} | {r.duplicated} | {r.regressed} | {r.refused} |"
        )
    return lines
