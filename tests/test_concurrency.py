"""Races through the runner's worker pool, on PostgreSQL (as on a Canvas instance) and SQLite.

The send's record and its status callbacks: each iteration sends a text through the real runner
(POST /sms_send, both SimpleAPI passes) to the Twilio stand-in and, while that request is still
in flight, watches the stand-in for the new message's sid; the moment it exists (Twilio has
answered, the plugin is about to store the send) it fires the message's callbacks (sending,
sent, the final status, and a replay of each) at once through the runner's gRPC. So the record
and the callbacks reach the plugin's storage concurrently on different workers, in whatever
order the machine produces; the stand-in's own later callbacks (sent, then the same final
status) add more. Texts go alternately to Maria (delivered) and to the stand-in's unreachable
handset (undelivered, error 30003).

On PostgreSQL the record follows Twilio's answer by a few milliseconds only, so the database
widens that window the way a loaded instance does: a trigger (test-only, dropped afterwards)
makes every insert into the messages table wait 0-40 ms. Callbacks then land before, during and
after the send's record; the test prints how many iterations had a callback answered first.

Afterwards the rows themselves are read from the runner's database: one row per sid, claimed by
the send, with the most advanced status and its error code, and one link to Maria for hers.

Inbound retries: the same MessageSid posted by 5 concurrent signed requests must give one
record, one live update (Broadcast) and one task. The webhook burst of `make bench` (300
callbacks with replays + 50 inbound, 20 concurrent) must lose, duplicate and regress nothing.

    RACE_ITERATIONS=1000 .venv/bin/python -m pytest -q tests/test_concurrency.py --stack-db postgres
"""

from __future__ import annotations

import os
import random
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from devtools import demo_data
from devtools.bench_burst import RECIPIENTS, run_burst
from devtools.bench_client import (
    PluginDriver,
    SandboxAdmin,
    SentMessage,
    new_message_sid,
    phone_sids,
    public_base_url,
)
from devtools.runner_client import ApiResult, canvas_database_path
from devtools.stack import LocalStack
from twilio_sms_mms.models.records import MessageLink, TextMessage

pytestmark = pytest.mark.runner

RACE_ITERATIONS = int(os.environ.get("RACE_ITERATIONS", "200"))
INBOUND_ITERATIONS = 20
INBOUND_COPIES = 5
MIN_WORKERS = 4
NAMESPACE = "twilio__sms_mms"
MAIN_LINE = demo_data.MAIN_LINE.phone_number
MARIA = demo_data.MARIA
MARIA_MOBILE = MARIA.phones[0].value
SETTLE_SECONDS = 3.0  # the stand-in's own callbacks (300 ms steps) finish within this


@dataclass(frozen=True)
class Race:
    """One send raced by its callbacks."""

    sid: str
    number_to: str
    final: str
    error_code: int | None
    callbacks_first: int  # callbacks answered before the send's response
    overlapped: bool  # callbacks were fired while the send was still unanswered


@dataclass(frozen=True)
class Timed:
    """A runner answer and when it came back."""

    result: ApiResult
    done: float


def timed(call: Callable[..., ApiResult], *args: Any, **kwargs: Any) -> Timed:
    """Call the runner and note when the answer came back."""
    result = call(*args, **kwargs)
    return Timed(result, time.monotonic())


class PluginRows:
    """The plugin's rows, read from the runner's own database (PostgreSQL or the SQLite file)."""

    def __init__(self, stack: LocalStack) -> None:
        self.postgres = stack.postgres

    def _fetch(self, model: Any, fields: list[str], key: str, value: str) -> list[tuple[Any, ...]]:
        columns = [model._meta.get_field(name).column for name in fields]
        where = model._meta.get_field(key).column
        if self.postgres is not None:
            query = sql.SQL("SELECT {} FROM {}.{} WHERE {} = %s").format(
                sql.SQL(", ").join(sql.Identifier(c) for c in columns),
                sql.Identifier(NAMESPACE),
                sql.Identifier(model._meta.db_table),
                sql.Identifier(where),
            )
            with psycopg.connect(self.postgres.admin_dsn) as conn:
                return conn.execute(query, (value,)).fetchall()
        uri = f"file:{canvas_database_path()}?mode=ro"
        text = f"SELECT {', '.join(columns)} FROM {model._meta.db_table} WHERE {where} = ?"
        with closing(sqlite3.connect(uri, uri=True, timeout=30)) as lite:
            return lite.execute(text, (value,)).fetchall()

    def messages(self, sid: str) -> list[tuple[Any, ...]]:
        """(status, error_code, recorded) of every row held for `sid`."""
        rows = self._fetch(TextMessage, ["status", "error_code", "recorded"], "sid", sid)
        return [(status, code, bool(recorded)) for status, code, recorded in rows]

    def links(self, sid: str) -> list[tuple[Any, ...]]:
        """The patient links of `sid`."""
        return self._fetch(MessageLink, ["patient_id"], "message_sid", sid)


@pytest.fixture(scope="module")
def plugin(local_stack: LocalStack) -> PluginDriver:
    return PluginDriver(local_stack.runner, demo_data.AUTH_TOKEN, public_base_url())


@pytest.fixture(scope="module")
def admin(local_stack: LocalStack) -> Iterator[SandboxAdmin]:
    stand_in = SandboxAdmin(local_stack.sandbox_url)
    yield stand_in
    stand_in.close()


@pytest.fixture(scope="module")
def rows(local_stack: LocalStack) -> PluginRows:
    return PluginRows(local_stack)


@pytest.fixture(scope="module")
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=12, thread_name_prefix="race") as executor:
        yield executor


@pytest.fixture
def slow_inserts(local_stack: LocalStack) -> Iterator[None]:
    """On PostgreSQL every insert into the messages table waits 0-40 ms (BEFORE INSERT trigger)."""
    if local_stack.postgres is None:
        yield
        return
    target = sql.SQL("{}.{}").format(
        sql.Identifier(NAMESPACE), sql.Identifier(TextMessage._meta.db_table)
    )
    with psycopg.connect(local_stack.postgres.admin_dsn, autocommit=True) as conn:
        conn.execute(
            "CREATE OR REPLACE FUNCTION public.race_slow_insert() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(random() * 0.04); RETURN NEW; END $$"
        )
        conn.execute(
            sql.SQL(
                "CREATE TRIGGER race_slow_insert BEFORE INSERT ON {} "
                "FOR EACH ROW EXECUTE FUNCTION public.race_slow_insert()"
            ).format(target)
        )
        try:
            yield
        finally:
            conn.execute(sql.SQL("DROP TRIGGER race_slow_insert ON {}").format(target))
            conn.execute("DROP FUNCTION public.race_slow_insert()")


def wait_for_sid(
    admin: SandboxAdmin, number_to: str, text: str, send: Future[Timed], timeout: float = 30
) -> str:
    """The stand-in's sid of the message with `text`, as soon as the stand-in has it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in admin.messages(5, to=number_to):
            if message["body"] == text:
                return str(message["sid"])
        if send.done():
            result = send.result().result
            raise AssertionError(f"no message at the stand-in; send answered {result.status}")
    raise AssertionError("the stand-in never had the message")


def race_once(
    index: int, plugin: PluginDriver, admin: SandboxAdmin, pool: ThreadPoolExecutor, line: str
) -> Race:
    """Send a text and fire its callbacks while the send is being recorded."""
    number_to, final, code = RECIPIENTS[index % len(RECIPIENTS)]
    patient = MARIA.key if number_to == MARIA_MOBILE else ""
    text = f"Race {index} {secrets.token_hex(4)}"
    send = pool.submit(
        timed,
        plugin.send,
        MAIN_LINE,
        line,
        number_to,
        text,
        patient_id=patient,
        confirm_no_consent=not patient,
    )
    sid = wait_for_sid(admin, number_to, text, send)
    message = SentMessage(sid, MAIN_LINE, number_to)
    callbacks: list[tuple[str, int | None]] = [("sending", None), ("sent", None), (final, code)]
    callbacks += callbacks  # every callback replayed once
    random.shuffle(callbacks)
    fired_at = time.monotonic()
    fired = [
        pool.submit(timed, plugin.status, message, status, error) for status, error in callbacks
    ]
    sent = send.result()
    assert sent.result.status == 201, sent.result.body[:300]
    assert sent.result.json()["message"]["sid"] == sid
    answers = [f.result() for f in fired]
    assert [a.result.status for a in answers] == [200] * len(answers)
    first = sum(1 for a in answers if a.done < sent.done)
    return Race(sid, number_to, final, code, first, fired_at < sent.done)


def runner_environment(stack: LocalStack) -> dict[str, str]:
    """The running runner's environment (from /proc)."""
    pid = int(stack.runner_process.pidfile.read_text())
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    pairs = (item.decode(errors="replace").split("=", 1) for item in raw if b"=" in item)
    return {key: value for key, value in pairs}


@pytest.mark.stack_db("postgres")
def test_runner_serves_on_postgres_with_several_workers(
    local_stack: LocalStack,
    plugin: PluginDriver,
    admin: SandboxAdmin,
    pool: ThreadPoolExecutor,
) -> None:
    """The runner's workers really run in parallel on the SDK's role, against this cluster."""
    assert local_stack.postgres is not None
    environ = runner_environment(local_stack)
    assert environ["DATABASE_URL"] == local_stack.postgres.database_url
    assert int(environ["PLUGIN_RUNNER_MAX_WORKERS"]) >= MIN_WORKERS
    admin.set_delay(400)
    try:
        began = time.monotonic()
        answers = list(pool.map(lambda _: plugin.phone_list().status, range(MIN_WORKERS)))
        elapsed = time.monotonic() - began
    finally:
        admin.clear_faults()
    assert answers == [200] * MIN_WORKERS
    # One worker would need 4 x 400 ms; anything under 3 x 400 ms needs several at once.
    assert elapsed < 3 * 0.4, f"{MIN_WORKERS} requests of 400 ms took {elapsed:.2f} s: serialized"
    with psycopg.connect(local_stack.postgres.admin_dsn) as conn:
        roles = conn.execute(
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database()"
        ).fetchall()
    assert ("canvas_sdk_read_only",) in roles


def test_send_record_and_its_callbacks_race_to_one_row_with_the_final_status(
    local_stack: LocalStack,
    plugin: PluginDriver,
    admin: SandboxAdmin,
    rows: PluginRows,
    pool: ThreadPoolExecutor,
    slow_inserts: None,
) -> None:
    line = phone_sids(plugin.phone_list())[MAIN_LINE]
    races = [race_once(i, plugin, admin, pool, line) for i in range(RACE_ITERATIONS)]
    time.sleep(SETTLE_SECONDS)  # let the stand-in's own late callbacks land too
    wrong = []
    for race in races:
        held = rows.messages(race.sid)
        links = rows.links(race.sid)
        expected = [(race.final, race.error_code, True)]
        expected_links = [(MARIA.key,)] if race.number_to == MARIA_MOBILE else []
        if held != expected or links != expected_links:
            wrong.append(f"{race.sid}: rows {held} links {links}, expected {expected}")
    early = sum(1 for race in races if race.callbacks_first)
    overlapped = sum(1 for race in races if race.overlapped)
    print(
        f"\n{local_stack.db}: {len(races)} races on {local_stack.runner_process.max_workers} "
        f"workers: callbacks fired while the send was unanswered in {overlapped}, answered "
        f"before it in {early}"
    )
    assert not wrong, f"{len(wrong)} of {len(races)} races went wrong:\n" + "\n".join(wrong[:20])


def test_thread_shows_each_raced_message_once(plugin: PluginDriver) -> None:
    thread = plugin.get(f"/patients/{MARIA.key}/thread")
    assert thread.status == 200
    sids = [m["sid"] for m in thread.json()["messages"] if m.get("sid")]
    assert len(sids) == len(set(sids))


def test_the_same_inbound_sid_posted_five_times_at_once_is_recorded_and_announced_once(
    plugin: PluginDriver, rows: PluginRows, pool: ThreadPoolExecutor
) -> None:
    wrong = []
    for index in range(INBOUND_ITERATIONS):
        sid = new_message_sid()
        text = f"Dedup {index} {secrets.token_hex(4)}"
        copies = [
            pool.submit(plugin.inbound, MARIA_MOBILE, MAIN_LINE, text, sid)
            for _ in range(INBOUND_COPIES)
        ]
        results = [f.result() for f in copies]
        statuses = [r.status for r in results]
        updates = [b for r in results for b in r.broadcasts if b.message.get("type") == "message"]
        tasks = [e for r in results for e in r.effects if e.type == "CREATE_TASK"]
        held = rows.messages(sid)
        links = rows.links(sid)
        if statuses != [200] * INBOUND_COPIES or (len(updates), len(tasks), len(held)) != (1, 1, 1):
            wrong.append(
                f"{sid}: answers {statuses}, {len(updates)} live updates, {len(tasks)} tasks, "
                f"{len(held)} rows"
            )
        elif links != [(MARIA.key,)]:
            wrong.append(f"{sid}: links {links}")
    assert not wrong, "\n".join(wrong)


def test_the_webhook_burst_loses_duplicates_and_regresses_nothing(
    local_stack: LocalStack, plugin: PluginDriver, admin: SandboxAdmin
) -> None:
    result = run_burst(local_stack, plugin, admin, log=lambda line: None)

    print(
        f"\n{result.database}: {result.webhooks} webhooks, {result.per_second:.0f}/s, "
        f"p95 {result.latency.p95:.0f} ms"
    )
    assert (result.lost, result.duplicated, result.regressed, result.refused) == (0, 0, 0, 0)
