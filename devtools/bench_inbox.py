"""The practice inbox at scale: 5,000 conversations and 200,000 messages, through the real runner.

Starts the local stack on SQLite, writes the rows straight into the plugin's tables (as if a busy
practice had texted for years: one patient's conversation holds 5,000 messages), then times each
request through the runner over gRPC with both SimpleAPI passes: the inbox's first page, a
filtered page (Unread), a search (last digits), a second page by cursor, and the thread of the
5,000-message conversation. No Twilio request is involved, so the wall time is the plugin's
overhead. Queries per request are counted in this process, with Django's query capture on the
same database and the same service functions the routes call.

    .venv/bin/python -m devtools.bench_inbox [--conversations 5000] [--messages 200000] [--runs 30]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta
from typing import Any

from devtools import demo_data
from devtools.bench_client import PluginDriver, public_base_url
from devtools.runner_client import ApiResult, canvas_database_path
from devtools.stack import LocalStack

GOAL_MS = 50.0
BIG_THREAD = 5_000
PRACTICE = demo_data.MAIN_LINE.phone_number
MARIA = demo_data.MARIA


def sqlite_time(moment: datetime) -> str:
    """How Django stores an aware datetime in SQLite (UTC, naive text)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class Seeder:
    """Inserts rows into the runner's SQLite file, filling NOT NULL columns it was not given."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        info = self.connection.execute(f"PRAGMA table_info({table})").fetchall()
        filler = {
            name: (0 if "int" in kind.lower() or "bool" in kind.lower() else "")
            for _cid, name, kind, notnull, default, pk in info
            if notnull and default is None and not pk
        }
        columns = sorted({*filler, *rows[0]})
        marks = ",".join("?" * len(columns))
        self.connection.executemany(
            f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})",
            [tuple({**filler, **row}[c] for c in columns) for row in rows],
        )


def message_row(sid: str, number: str, moment: datetime, inbound: bool, links: str) -> dict:
    return {
        "sid": sid,
        "direction": "inbound" if inbound else "outbound",
        "practice_number": PRACTICE,
        "patient_number": number,
        "body": f"Message {sid[-6:]}: see you at the clinic on Tuesday.",
        "media_urls": "[]",
        "media_types": "[]",
        "status": "received" if inbound else "delivered",
        "staff_id": "",
        "staff_name": "",
        "patient_ids": links,
        "matched": 1 if links != "[]" else 0,
        "read": 1,
        "created": sqlite_time(moment),
        "updated": sqlite_time(moment),
        "recorded": 1,
        "deleted": 0,
    }


def seed(conversations: int, messages: int) -> None:
    """Write the bench's rows (one transaction); conversation 0 is Maria's with BIG_THREAD."""
    start = datetime(2024, 1, 1, tzinfo=UTC)
    per_other = max(1, (messages - BIG_THREAD) // max(1, conversations - 1))
    with closing(sqlite3.connect(canvas_database_path(), timeout=60)) as connection:
        seeder = Seeder(connection)
        texts: list[dict] = []
        links: list[dict] = []
        rows: list[dict] = []
        maria_links = f'["{MARIA.key}"]'
        for i in range(BIG_THREAD):
            moment = start + timedelta(minutes=i)
            sid = f"SMbench{0:06d}{i:019d}"
            texts.append(message_row(sid, MARIA.phones[0].value, moment, i % 2 == 0, maria_links))
            links.append(
                {
                    "message_sid": sid,
                    "patient_id": MARIA.key,
                    "read": 1,
                    "created": sqlite_time(moment),
                }
            )
        rows.append(
            conversation_row(f"patient:{MARIA.key}", MARIA.phones[0].value, moment, MARIA.key)
        )
        for c in range(1, conversations):
            number = f"+1555{c:07d}"
            for j in range(per_other):
                moment = start + timedelta(minutes=c * 37 + j)
                texts.append(
                    message_row(f"SMbench{c:06d}{j:019d}", number, moment, j % 3 != 2, "[]")
                )
            unread = c % 4 == 0
            rows.append(
                conversation_row(
                    f"number:{number}",
                    number,
                    moment,
                    "",
                    unread=2 if unread else 0,
                    status="done" if c % 5 == 0 else "open",
                    assignee=demo_data.STAFF.key if c % 3 == 0 else "",
                )
            )
        for chunk in range(0, len(texts), 20_000):
            seeder.insert("textmessage", texts[chunk : chunk + 20_000])
        seeder.insert("messagelink", links)
        seeder.insert("conversation", rows)
        connection.commit()


def conversation_row(
    key: str,
    number: str,
    moment: datetime,
    patient_id: str,
    unread: int = 0,
    status: str = "open",
    assignee: str = "",
) -> dict:
    return {
        "key": key,
        "patient_id": patient_id,
        "patient_number": number,
        "practice_number": PRACTICE,
        "name": f"{MARIA.first_name} {MARIA.last_name}" if patient_id else "",
        "last_sid": "",
        "last_preview": "see you at the clinic on Tuesday.",
        "last_direction": "inbound",
        "last_at": sqlite_time(moment),
        "unread": unread,
        "assignee_id": assignee,
        "assignee_name": "Ana Reyes" if assignee else "",
        "status": status,
        "updated": sqlite_time(moment),
    }


def timed(call: Callable[[], ApiResult], runs: int) -> tuple[float, float, int]:
    """(median ms, p95 ms, status) over `runs` calls after one warm-up."""
    first = call()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - began) * 1000)
        assert result.status == first.status
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95, first.status


def count_queries() -> dict[str, int | str]:
    """Queries per request, counted in this process against the runner's database."""
    try:
        import canvas_sdk  # noqa: F401  (django.setup() with the SDK's settings)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from plugin_runner.installation import register_plugin_app_config

        register_plugin_app_config("twilio_sms_mms")
        from twilio_sms_mms.services import inbox, storage

        def counted(call: Callable[[], Any]) -> int:
            with CaptureQueriesContext(connection) as captured:
                call()
            return len(captured.captured_queries)

        first = inbox.page(inbox.InboxQuery(inbox.InboxFilter.ALL, demo_data.STAFF.key))
        cursor = first["nextCursor"] or ""
        return {
            "first page": counted(
                lambda: inbox.page(inbox.InboxQuery(inbox.InboxFilter.ALL, demo_data.STAFF.key))
            ),
            "unread page": counted(
                lambda: inbox.page(inbox.InboxQuery(inbox.InboxFilter.UNREAD, demo_data.STAFF.key))
            ),
            "search '0042'": counted(
                lambda: inbox.page(
                    inbox.InboxQuery(inbox.InboxFilter.ALL, demo_data.STAFF.key, "0042")
                )
            ),
            "second page": counted(
                lambda: inbox.page(
                    inbox.InboxQuery(inbox.InboxFilter.ALL, demo_data.STAFF.key, "", cursor)
                )
            ),
            "5,000-message thread (storage)": counted(lambda: storage.thread(MARIA.key)),
        }
    except Exception as error:  # a report line, never a crash
        return {"(not counted)": f"{type(error).__name__}: {error}"[:120]}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=5_000)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    stack = LocalStack(db="sqlite", lock_wait_seconds=900)
    stack.start()
    try:
        began = time.perf_counter()
        seed(args.conversations, args.messages)
        seeded = time.perf_counter() - began
        plugin = PluginDriver(stack.runner, demo_data.AUTH_TOKEN, public_base_url())
        cursor = plugin.get("/inbox").json()["nextCursor"]
        requests: list[tuple[str, Callable[[], ApiResult]]] = [
            ("GET /inbox (first page)", lambda: plugin.get("/inbox")),
            ("GET /inbox?filter=unread", lambda: plugin.get("/inbox", {"filter": "unread"})),
            ("GET /inbox?filter=mine", lambda: plugin.get("/inbox", {"filter": "mine"})),
            ("GET /inbox?q=0042 (last digits)", lambda: plugin.get("/inbox", {"q": "0042"})),
            ("GET /inbox?q=lopez (name)", lambda: plugin.get("/inbox", {"q": "lopez"})),
            ("GET /inbox?cursor= (second page)", lambda: plugin.get("/inbox", {"cursor": cursor})),
            (
                "GET /patients/<maria>/thread (5,000 messages)",
                lambda: plugin.get(f"/patients/{MARIA.key}/thread", {"markRead": "0"}),
            ),
        ]
        print(
            f"inbox bench: {args.conversations} conversations, {args.messages} messages "
            f"(seeded in {seeded:.1f} s), {args.runs} runs each, SQLite, real runner"
        )
        print("| request | status | median ms | p95 ms | goal |")
        print("|---|---|---|---|---|")
        worst = 0.0
        for name, call in requests:
            median, p95, status = timed(call, args.runs)
            worst = max(worst, p95)
            verdict = "ok" if p95 <= GOAL_MS else "over"
            print(f"| {name} | {status} | {median:.1f} | {p95:.1f} | {verdict} |")
        print()
        print("| queries per request (counted in-process, same database) | queries |")
        print("|---|---|")
        for name, count in count_queries().items():
            print(f"| {name} | {count} |")
        return 0 if worst <= GOAL_MS else 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
