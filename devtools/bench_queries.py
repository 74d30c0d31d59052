"""What each request costs the database inside the real runner: statements, commits, time.

    .venv/bin/python -m devtools.bench_queries [--runs 30] [--db sqlite|postgres|both]

Starts the local stack with the runner launched through this module (`runner` mode below), which
counts, per event and in the gRPC worker thread that runs it, every SQL statement the runner's
Django connection executes (reads, writes, savepoints, the SDK's own `SET search_path`) and every
commit: a write run outside any `atomic()` block commits on its own, an outermost block commits
once. On SQLite each commit is a journal sync; on PostgreSQL a WAL flush. The driver sends the
webhooks and clicks that write, with no injected Twilio delay, and reports per action (both
SimpleAPI passes together) the counts, which do not depend on the machine, and the median/p95
time spent in the runner's HandleEvent, which does.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devtools import demo_data
from devtools.bench_client import (
    PluginDriver,
    SentMessage,
    phone_sids,
    public_base_url,
    sent_message,
)
from devtools.bench_stats import percentile
from devtools.runner_client import PLUGIN_NAME, PROJECT_ROOT, RunnerProcess
from devtools.stack import LocalStack

STATE_DIR = PROJECT_ROOT / ".stack" / "bench"
DEFAULT_RUNS = 30
STATUS_STEP_MS = 3_600_000  # the stand-in's own callbacks never fire during the runs
LOCK_WAIT_SECONDS = 600
MAIN_LINE = demo_data.MAIN_LINE.phone_number
MARIA_MOBILE = demo_data.MARIA.phones[0].value
WRITES = ("INSERT", "UPDATE", "DELETE")


# ---------------------------------------------------------------------- inside the runner


@dataclass
class EventCost:
    """One event's database work, counted in the thread that handled it."""

    label: str
    statements: int = 0
    reads: int = 0
    writes: int = 0
    other: int = 0  # savepoints, SET search_path
    commits: int = 0
    sql_ms: float = 0.0
    wall_ms: float = 0.0


_current = threading.local()


def count_statements() -> None:
    """Patch Django so that each statement and commit lands in the current event's cost."""
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper

    execute = CursorWrapper._execute_with_wrappers  # type: ignore[attr-defined]
    commit = BaseDatabaseWrapper.commit

    def counted_execute(self: Any, sql: str, *args: Any, **kwargs: Any) -> Any:
        cost: EventCost | None = getattr(_current, "cost", None)
        began = time.perf_counter()
        try:
            return execute(self, sql, *args, **kwargs)
        finally:
            if cost is not None:
                cost.sql_ms += (time.perf_counter() - began) * 1000
                verb = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""
                cost.statements += 1
                if verb == "SELECT":
                    cost.reads += 1
                elif verb in WRITES:
                    cost.writes += 1
                    if not self.db.in_atomic_block:
                        cost.commits += 1  # autocommit: the statement is its own transaction
                else:
                    cost.other += 1

    def counted_commit(self: Any) -> Any:
        cost: EventCost | None = getattr(_current, "cost", None)
        began = time.perf_counter()
        try:
            return commit(self)
        finally:
            if cost is not None:
                cost.commits += 1
                cost.sql_ms += (time.perf_counter() - began) * 1000

    CursorWrapper._execute_with_wrappers = counted_execute  # type: ignore[attr-defined]
    BaseDatabaseWrapper.commit = counted_commit  # type: ignore[method-assign]


def record_events(out_file: Path) -> None:
    """Patch the runner so each HandleEvent call appends its cost to `out_file` (JSON lines)."""
    from canvas_generated.messages.events_pb2 import EventType
    from plugin_runner import plugin_runner

    count_statements()
    original = plugin_runner.PluginRunner.HandleEvent
    lock = threading.Lock()

    def handle_event(self: Any, request: Any, context: Any) -> Iterator[Any]:
        try:
            path = str(json.loads(request.context or "{}").get("path") or "")
        except ValueError:
            path = ""
        cost = EventCost(label=f"{EventType.Name(request.type)} {path}")
        _current.cost = cost
        began = time.perf_counter()
        try:
            yield from original(self, request, context)
        finally:
            cost.wall_ms = (time.perf_counter() - began) * 1000
            _current.cost = None
            with lock, out_file.open("a") as out:
                out.write(json.dumps(cost.__dict__) + "\n")

    plugin_runner.PluginRunner.HandleEvent = handle_event  # type: ignore[method-assign]


def run_counted_runner(out_file: Path, command: Sequence[str]) -> int:
    """The runner (`run-plugin <plugin>` on SQLite, `postgres <plugin>` on PostgreSQL), counted."""
    if command[0] == "postgres":
        from devtools import postgres_sdk

        postgres_sdk._setup_django()
        record_events(out_file)
        from plugin_runner.plugin_runner import main as run_server

        run_server([command[1]])
        return 0
    record_events(out_file)
    from canvas_cli.main import app

    sys.argv = ["canvas", *command]
    return int(app() or 0)


class CountedRunnerProcess(RunnerProcess):
    """The stack's runner, launched through this module so that it counts each event's SQL."""

    out_file: Path = STATE_DIR / "queries.jsonl"

    def command(self) -> list[str]:
        python = str(self.project_root / ".venv/bin/python")
        runner = [python, "-m", "devtools.bench_queries", "runner", str(self.out_file.resolve())]
        if self.postgres is not None:
            return [*runner, "postgres", PLUGIN_NAME, "run-plugin"]
        return [*runner, "run-plugin", PLUGIN_NAME]


# ---------------------------------------------------------------------- the driver


@dataclass(frozen=True)
class ActionCost:
    """An action's database work per request (both passes) over its runs."""

    label: str
    statements: int
    reads: int
    writes: int
    other: int
    commits: int
    runner_median_ms: float
    runner_p95_ms: float
    sql_median_ms: float


class Driver:
    """The actions that write, run against a started stack."""

    def __init__(self, stack: LocalStack, out_file: Path) -> None:
        self.stack = stack
        self.out_file = out_file
        self.plugin = PluginDriver(stack.runner, demo_data.AUTH_TOKEN, public_base_url())
        self.sent: list[SentMessage] = []
        self.main_sid = ""

    def prepare(self) -> None:
        """Warm the capability cache (as the app's phone list does) and find the Main line."""
        self.main_sid = phone_sids(self.plugin.phone_list())[MAIN_LINE]

    def send(self) -> int:
        result = self.plugin.send(
            MAIN_LINE,
            self.main_sid,
            MARIA_MOBILE,
            "Bench: your results are ready, see you Tuesday.",
            patient_id=demo_data.MARIA.key,
        )
        if result.status == 201:
            self.sent.append(sent_message(result))
        return result.status

    def actions(self) -> list[tuple[str, Callable[[], int]]]:
        """(label, call) in the order a session meets them; each call returns its status."""
        return [
            ("Send SMS", self.send),
            ("Status callback (signed)", lambda: self.plugin.status(self.sent.pop(0)).status),
            (
                "Inbound webhook (signed)",
                lambda: self.plugin.inbound(MARIA_MOBILE, MAIN_LINE, "Thank you").status,
            ),
            ("Patient's thread (clears 1 unread)", self.thread_after_inbound),
            ("Patient's thread (nothing unread)", lambda: self.plugin.get(self.thread_path).status),
        ]

    @property
    def thread_path(self) -> str:
        return f"/patients/{demo_data.MARIA.key}/thread"

    def thread_after_inbound(self) -> int:
        """The thread opened after a text came in (not timed: the inbound is another action)."""
        self.plugin.inbound(MARIA_MOBILE, MAIN_LINE, "One more thing")
        self.mark()
        return self.plugin.get(self.thread_path).status

    def mark(self) -> None:
        """Forget the events so far: the next events are the action's own."""
        self.out_file.write_text("")

    def measure(self, runs: int) -> list[ActionCost]:
        """Each action once to warm up, then `runs` times; the costs read back per run."""
        results = []
        for label, call in self.actions():
            call()
            samples: list[list[EventCost]] = []
            for _ in range(runs):
                self.mark()
                status = call()
                if status not in (200, 201):
                    raise RuntimeError(f"{label} answered {status}")
                samples.append(read_events(self.out_file))
            results.append(summarise(label, samples))
        return results


def read_events(out_file: Path) -> list[EventCost]:
    """The events the runner recorded since the last mark."""
    events = []
    for line in out_file.read_text().splitlines():
        events.append(EventCost(**json.loads(line)))
    return events


def summarise(label: str, samples: Sequence[Sequence[EventCost]]) -> ActionCost:
    """Counts per request (they must not vary between runs: the highest is reported) and times."""

    def most(field: str) -> int:
        return max(sum(getattr(event, field) for event in events) for events in samples)

    walls = [sum(event.wall_ms for event in events) for events in samples]
    sql = [sum(event.sql_ms for event in events) for events in samples]
    return ActionCost(
        label=label,
        statements=most("statements"),
        reads=most("reads"),
        writes=most("writes"),
        other=most("other"),
        commits=most("commits"),
        runner_median_ms=statistics.median(walls),
        runner_p95_ms=percentile(walls, 0.95),
        sql_median_ms=statistics.median(sql),
    )


def measure_database(db: str, runs: int) -> list[ActionCost]:
    """Start a counted stack on `db`, drive the actions, stop it."""
    out_file = STATE_DIR / f"queries-{db}.jsonl"
    stack = LocalStack(
        status_step_ms=STATUS_STEP_MS,
        state_dir=STATE_DIR,
        lock_wait_seconds=LOCK_WAIT_SECONDS,
        db=db,
    )
    counted = CountedRunnerProcess(
        project_root=stack.project_root, state_dir=STATE_DIR, postgres=stack.postgres
    )
    counted.out_file = out_file
    stack.runner_process = counted
    with stack:
        driver = Driver(stack, out_file)
        driver.prepare()
        return driver.measure(runs)


def cost_table(results: dict[str, list[ActionCost]]) -> list[str]:
    """Markdown: one row per action and database."""
    lines = [
        "| action | database | statements | reads | writes | savepoints & other | commits "
        "| runner median ms | runner p95 ms | SQL median ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for db, costs in results.items():
        for cost in costs:
            lines.append(
                f"| {cost.label} | {db} | {cost.statements} | {cost.reads} | {cost.writes} "
                f"| {cost.other} | {cost.commits} | {cost.runner_median_ms:.1f} "
                f"| {cost.runner_p95_ms:.1f} | {cost.sql_median_ms:.1f} |"
            )
    return lines


def database_costs(runs: int = DEFAULT_RUNS, databases: Sequence[str] = ("sqlite",)) -> list[str]:
    """Markdown lines for docs/benchmark.md: each writing action's statements and commits."""
    results = {db: measure_database(db, runs) for db in databases}
    return [
        "## Database work per request",
        "",
        *cost_table(results),
        "",
        f"- Counted inside the real runner (`devtools/bench_queries.py`), {runs} runs per action "
        "after one warm-up, no injected Twilio delay, both SimpleAPI passes together. "
        "**Commits**: write transactions (a write outside `atomic()` commits on its own; an "
        "outermost block once). Savepoints & other: SAVEPOINT/RELEASE and, on PostgreSQL, the "
        "SDK's `SET search_path` around each event. The counts do not depend on the machine; "
        "the times (HandleEvent in the runner, and the part spent in the database driver) do.",
        "",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    if args_in[:1] == ["runner"]:
        return run_counted_runner(Path(args_in[1]), args_in[2:])
    parser = argparse.ArgumentParser(prog="python -m devtools.bench_queries")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    args = parser.parse_args(args_in)
    databases = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    print("\n".join(database_costs(args.runs, databases)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
