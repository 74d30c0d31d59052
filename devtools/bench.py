"""`make bench`: Twilio round trips and wall time per click, through the real plugin runner.

Starts the local stack (Twilio stand-in with an injected delay per REST request + the real
`canvas run-plugin`), seeds a bench history, and drives every action through the runner over gRPC
with both SimpleAPI passes, as Canvas does. Per action it reports the Twilio requests the stand-in
served (its counters, reset before every run), the sequential round trips on the critical path,
the median and p95 wall time, the floor (round trips x delay) and the plugin's overhead.

Round trips come from the known call structure (a parallel `Http.batch_requests` counts once),
and are cross-checked by the clock: every action also runs with no injected delay, and
(median with delay - median without) / delay must come out near the round trips.

It also fires the webhook burst (devtools/bench_burst.py: 300 status callbacks with 10% replays
and 50 inbound texts, 20 concurrent) on PostgreSQL and on SQLite, each on a fresh stack, and
exits 1 if anything was lost, duplicated or regressed. Then each feature's own benchmark runs on
its own stack, in turn: production sending (devtools/bench_production.py), attachments
(devtools/bench_attach.py), the practice inbox at scale (devtools/bench_inbox.py); and the
database work per request (devtools/bench_queries.py); and the frontend bundles' sizes
(frontend/size).

    .venv/bin/python -m devtools.bench [--delay-ms 60] [--runs 20] [--messages 10000]
    .venv/bin/python -m devtools.bench --burst-only      # just the burst, printed
    .venv/bin/python -m devtools.bench --skip-features   # without the per-feature sections
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from devtools import demo_data
from devtools.bench_attach import attach_section
from devtools.bench_burst import BurstResult, burst_table, run_burst
from devtools.bench_client import (
    BenchError,
    PluginDriver,
    SandboxAdmin,
    SentMessage,
    phone_sids,
    public_base_url,
    sent_message,
)
from devtools.bench_inbox import inbox_report
from devtools.bench_production import run_production_bench
from devtools.bench_queries import database_costs
from devtools.bench_sdk import SdkCosts, measure_sdk_costs
from devtools.bench_stats import (
    ActionResult,
    HistoryPoint,
    Machine,
    Timing,
    action_table,
    history_table,
    ms,
)
from devtools.runner_client import PROJECT_ROOT
from devtools.stack import LocalStack

log = logging.getLogger("devtools.bench")

DEFAULT_DELAY_MS = 60
DEFAULT_RUNS = 30
DEFAULT_MESSAGES = 10_000
HISTORY_SIZES = (100, 1_000, 10_000)
TEXTERS = 30
MEDIA_PER_MMS = 3
# The stand-in's own status callbacks would hit the runner in the middle of timed runs: with a
# one-hour step they never fire during the bench (the status callback action sends its own).
STATUS_STEP_MS = 3_600_000
LOCK_WAIT_SECONDS = 600  # another local stack may be running tests: wait for it
RESULTS_FILE = PROJECT_ROOT / "docs" / "benchmark.md"
STATE_DIR = PROJECT_ROOT / ".stack" / "bench"

MAIN_LINE = demo_data.MAIN_LINE.phone_number
MARIA_MOBILE = demo_data.MARIA.phones[0].value
TARGET_OVERHEAD_P95_MS = 30.0
TARGET_WEBHOOK_P95_MS = 50.0


@dataclass(frozen=True)
class Action:
    """One click (or webhook) and what it should cost."""

    key: str
    label: str
    round_trips: int
    call: Callable[[], int]  # runs the action once, returns the HTTP status
    expect: int = 200
    sdk: str = ""
    note: str = ""
    webhook: bool = False


@dataclass
class Fixtures:
    """Ids the actions need, found once the history is seeded."""

    main_sid: str
    next_cursor: str
    media_message: str
    media_sid: str
    inbound_url: str


class Bench:
    """Runs the actions against a started stack."""

    def __init__(self, stack: LocalStack, delay_ms: int, runs: int) -> None:
        self.stack = stack
        self.delay_ms = delay_ms
        self.runs = runs
        self.admin = SandboxAdmin(stack.sandbox_url)
        self.plugin = PluginDriver(stack.runner, demo_data.AUTH_TOKEN, public_base_url())
        self.sent: deque[SentMessage] = deque()
        self.fixtures: Fixtures | None = None

    # -------------------------------------------------------------------- measuring

    def measure(
        self, call: Callable[[], int], expect: int, runs: int
    ) -> tuple[list[float], list[int]]:
        """One warm-up, then `runs` timed runs; stand-in counters reset before each run."""
        status = call()
        if status != expect:
            raise BenchError(f"warm-up answered {status}, expected {expect}")
        walls: list[float] = []
        counts: list[int] = []
        for _ in range(runs):
            self.admin.reset_stats()
            began = time.perf_counter()
            status = call()
            walls.append((time.perf_counter() - began) * 1000)
            counts.append(sum(self.admin.stats().values()))
            if status != expect:
                raise BenchError(f"answered {status}, expected {expect}")
        return walls, counts

    # -------------------------------------------------------------------- history

    def seed(self, messages: int) -> None:
        """Replace the stand-in's history by `messages` texts on the Main line."""
        began = time.monotonic()
        counts = self.admin.seed(
            messages, MAIN_LINE, numbers=TEXTERS, media_per_message=MEDIA_PER_MMS, reset=True
        )
        log.info(
            "seeded %s messages in %.1f s", f"{counts['messages']:,}", time.monotonic() - began
        )

    def history_sweep(self, sizes: Sequence[int]) -> list[HistoryPoint]:
        """Log first page against each history size (the time must not grow with it)."""
        points = []
        for size in sizes:
            self.seed(size)
            walls, counts = self.measure(self.log_first_page, 200, self.runs)
            points.append(HistoryPoint(size, tuple(counts), Timing.of(walls)))
            log.info(
                "Log first page, %s messages: median %.1f ms", f"{size:,}", points[-1].wall.median
            )
        return points

    def prepare(self) -> Fixtures:
        """Find the Main line's sid, a next-page cursor and an MMS with its media."""
        sids = phone_sids(self.plugin.phone_list())
        first = self.plugin.message_page(MAIN_LINE)
        if first.status != 200 or not first.json().get("nextPage"):
            raise BenchError(f"Log first page answered {first.status} without a next page")
        mms = self.admin.message_with_media(MAIN_LINE, MEDIA_PER_MMS)
        urls = self.plugin.phone_list().json()["pluginUrls"]
        self.fixtures = Fixtures(
            main_sid=sids[MAIN_LINE],
            next_cursor=str(first.json()["nextPage"]),
            media_message=str(mms["sid"]),
            media_sid=str(mms["media"][0]["sid"]),
            inbound_url=str(urls["inbound"]),
        )
        return self.fixtures

    # -------------------------------------------------------------------- actions

    @property
    def fx(self) -> Fixtures:
        if self.fixtures is None:
            raise BenchError("prepare() first")
        return self.fixtures

    def log_first_page(self) -> int:
        return self.plugin.message_page(MAIN_LINE).status

    def send(self, media: bool) -> int:
        media_urls = [f"{self.stack.sandbox_url}/_sandbox/assets/red.png"] if media else []
        result = self.plugin.send(
            MAIN_LINE,
            self.fx.main_sid,
            MARIA_MOBILE,
            "Bench: your results are ready, see you Tuesday.",
            media_urls,
            patient_id=demo_data.MARIA.key,
        )
        if result.status == 201:
            self.sent.append(sent_message(result))
        return result.status

    def status_callback(self) -> int:
        if not self.sent:
            raise BenchError("no message left to send a status callback for")
        return self.plugin.status(self.sent.popleft(), "sent").status

    def actions(self, sdk: SdkCosts) -> list[Action]:
        """The actions, in the order a session meets them (sends before their callbacks)."""
        fx, plugin = self.fx, self.plugin
        maria = demo_data.MARIA.key
        return [
            Action(
                "open", "Open the app (on_open)", 0,
                lambda: 200 if plugin.open_app(maria) else 500,
                sdk="0", note="renders the page; no Twilio call",
            ),
            Action(
                "phones", "Phone list", 1, lambda: plugin.phone_list().status,
                sdk=sdk.phone_list,
                note="one IncomingPhoneNumbers page of 1000; refreshes the capability cache",
            ),
            Action(
                "log_first", "Log first page", 1, self.log_first_page,
                sdk=sdk.log_first_page, note="one Messages page (From=Main line, PageSize=50)",
            ),
            Action(
                "log_next", "Log next page", 1,
                lambda: plugin.message_page(MAIN_LINE, cursor=fx.next_cursor).status,
                sdk=sdk.log_next_page, note="one Messages page from the PageToken cursor",
            ),
            Action(
                "details", "Message details (+ media list)", 1,
                lambda: plugin.get(f"/message/{fx.media_message}").status,
                sdk=sdk.details,
                note="message + media list: 2 GETs in one Http.batch_requests = 1 round trip",
            ),
            Action(
                "media_list", "Media list", 1,
                lambda: plugin.get(f"/medias/{fx.media_message}").status,
                sdk=sdk.media_list, note="one Media.json GET",
            ),
            Action(
                "media_item", "One media item", 1,
                lambda: plugin.get(f"/medias/{fx.media_message}/{fx.media_sid}").status,
                sdk=sdk.media_item, note="one raw media GET",
            ),
            Action(
                "send_sms", "Send SMS", 1, lambda: self.send(media=False), expect=201,
                sdk=sdk.send,
                note="POST Messages.json; sender capabilities cached by the phone list",
            ),
            Action(
                "send_mms", "Send MMS", 1, lambda: self.send(media=True), expect=201,
                sdk=sdk.send, note="as SMS, with one MediaUrl",
            ),
            Action(
                "webhook_set", "Set inbound webhook", 1,
                lambda: plugin.post_json(
                    f"/inbound_webhook/{fx.main_sid}", {"url": fx.inbound_url, "method": "POST"}
                ).status,
                sdk=sdk.set_webhook,
                note="one POST IncomingPhoneNumbers/PN.json, which returns the number",
            ),
            Action(
                "thread", "Patient's thread", 0,
                lambda: plugin.get(f"/patients/{maria}/thread").status,
                sdk="n/a", note="the plugin's own record (Canvas database)",
            ),
            Action(
                "inbound", "Inbound webhook (signed)", 0,
                lambda: plugin.inbound(MARIA_MOBILE, MAIN_LINE, "Thank you, see you then").status,
                sdk="0", note="verifies the signature, records, answers TwiML", webhook=True,
            ),
            Action(
                "status", "Status callback (signed)", 0, self.status_callback,
                sdk="0", note="verifies the signature, applies the status", webhook=True,
            ),
        ]  # fmt: skip

    def run_actions(self, actions: Sequence[Action]) -> list[ActionResult]:
        """Every action with the delay, then again without it (the clock's cross-check)."""
        timed: dict[str, tuple[list[float], list[int]]] = {}
        for action in actions:
            timed[action.key] = self.measure(action.call, action.expect, self.runs)
            walls = timed[action.key][0]
            log.info("%-32s median %6.1f ms", action.label, Timing.of(walls).median)
        self.admin.set_delay(0)
        try:
            zero = {a.key: self.measure(a.call, a.expect, self.runs)[0] for a in actions}
        finally:
            self.admin.set_delay(self.delay_ms)
        results = []
        for action in actions:
            walls, counts = timed[action.key]
            overhead = [wall - action.round_trips * self.delay_ms for wall in walls]
            results.append(
                ActionResult(
                    label=action.label,
                    requests=tuple(counts),
                    round_trips=action.round_trips,
                    wall=Timing.of(walls),
                    overhead=Timing.of(overhead),
                    zero_delay=Timing.of(zero[action.key]),
                    delay_ms=self.delay_ms,
                    sdk_requests=action.sdk,
                    note=action.note,
                )
            )
        return results

    def close(self) -> None:
        self.admin.close()


# ------------------------------------------------------------------------ report


def git_revision() -> str:
    """The checked-out commit (short), or 'unknown'."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() or "unknown"


def verdicts(results: Sequence[ActionResult], actions: Sequence[Action]) -> list[str]:
    """The targets, met or missed."""
    hooks = {a.label for a in actions if a.webhook}
    worst = max(results, key=lambda r: r.overhead.p95)
    lines = [
        f"- Plugin overhead p95 < {TARGET_OVERHEAD_P95_MS:.0f} ms per request: "
        + ("met" if worst.overhead.p95 < TARGET_OVERHEAD_P95_MS else "MISSED")
        + f" (worst: {worst.label}, {ms(worst.overhead.p95)} ms)."
    ]
    for result in results:
        if result.label in hooks:
            met = result.wall.p95 < TARGET_WEBHOOK_P95_MS
            lines.append(
                f"- {result.label} p95 < {TARGET_WEBHOOK_P95_MS:.0f} ms end to end: "
                f"{'met' if met else 'MISSED'} ({ms(result.wall.p95)} ms)."
            )
    return lines


def burst_section(bursts: Sequence[BurstResult]) -> list[str]:
    """The webhook burst on each database (empty when it did not run)."""
    if not bursts:
        return []
    return [
        "## Webhook burst on each database",
        "",
        *burst_table(bursts),
        "",
        "- 90 texts sent first; then 300 signed status callbacks (sending, sent, and delivered or "
        "undelivered with error 30003 for each, plus 30 replays of random ones) and 50 inbound "
        "texts (half from a patient, half from unknown numbers), shuffled, posted by 20 "
        "concurrent clients through the runner's gRPC with both SimpleAPI passes; no injected "
        "Twilio delay (webhooks make no Twilio call). Latency is per webhook, both passes, "
        "including the wait for a free runner worker.",
        "- **lost**: a text not at its most advanced status (or without its error code), or an "
        "inbound text not stored. **duplicated**: a sid stored or linked twice, or an inbound "
        "text announced twice. **regressed**: a stored status below one the plugin already "
        "announced. All three are read from the runner's own database (the SQLite file, or "
        "the PostgreSQL cluster) after the burst; they must be 0.",
        "- PostgreSQL: a throwaway cluster (Debian PostgreSQL, fsync off), the Canvas schema from "
        "the SDK's models, the plugin's namespace installed as an instance's schema manager does, "
        "the runner on the SDK's role with PLUGIN_RUNNER_MAX_WORKERS workers "
        "(devtools/postgres.py).",
        "",
    ]


def render_report(
    args: argparse.Namespace,
    machine: Machine,
    actions: Sequence[Action],
    results: Sequence[ActionResult],
    history: Sequence[HistoryPoint],
    started: datetime,
    duration_s: float,
    bursts: Sequence[BurstResult] = (),
    features: Sequence[str] = (),
) -> str:
    """docs/benchmark.md."""
    notes = [f"- **{a.label}**: {a.note}." for a in actions]
    lines = [
        "# Benchmark: Twilio round trips per click",
        "",
        f"Written by `make bench` on {started:%Y-%m-%d %H:%M} UTC (commit {git_revision()}, "
        f"{duration_s:.0f} s). Every request went through the real `canvas run-plugin` over gRPC "
        "with both SimpleAPI passes, as Canvas sends them; the Twilio stand-in delayed every REST "
        "request.",
        "",
        f"- Machine: {machine.cores} cores (nproc), {machine.cpu}, Python {machine.python}.",
        f"- Settings: {args.delay_ms} ms injected per Twilio request, {args.runs} runs per action "
        f"(after one warm-up), history of {args.messages:,} messages on the Main line "
        f"{MAIN_LINE} with {TEXTERS} texters, one message in ten an MMS with "
        f"{MEDIA_PER_MMS} images.",
        "",
        "## Per action",
        "",
        *action_table(results),
        "",
        "- **Twilio requests**: counted by the stand-in (`/_sandbox/stats`, reset before each "
        "run).",
        "- **Round trips**: sequential Twilio round trips on the critical path, from the call "
        "structure (a parallel `Http.batch_requests` counts as one).",
        "- **Floor**: round trips x injected delay. **Overhead**: wall time minus the floor, per "
        "run (runner, both passes, gRPC, the stand-in's own work).",
        "- **Clock's round trips**: (median with the delay - median of the same action with no "
        "delay) / delay; it should sit near the round trips.",
        "- **SDK as-is**: requests the SDK's own `SmsClient` needs for the same result, counted "
        "against the same stand-in and history (its list generators walk every page; its send "
        "looks the sender up first; its webhook setter returns only a bool).",
        "- p95 is the nearest-rank percentile; the stand-in's status callbacks were held off "
        f"(status step {STATUS_STEP_MS // 1000} s) so they never ran during timed runs.",
        "",
        "## Log first page against the history size",
        "",
        *history_table(history),
        "",
        *burst_section(bursts),
        *features,
        "## Targets",
        "",
        *verdicts(results, actions),
        "",
        "## What each action does",
        "",
        *notes,
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------------ main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--delay-ms", type=int, default=DEFAULT_DELAY_MS)
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--output", type=Path, default=RESULTS_FILE)
    parser.add_argument("--skip-history", action="store_true", help="skip the 100/1k/10k sweep")
    parser.add_argument(
        "--burst-only", action="store_true", help="only the webhook burst, on both databases"
    )
    parser.add_argument(
        "--skip-features", action="store_true", help="skip the per-feature sections"
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.delay_ms < 0 or args.messages < 200:
        parser.error("--runs >= 1, --delay-ms >= 0 and --messages >= 200 please")
    return args


def start_stack(delay_ms: int, db: str = "sqlite") -> LocalStack:
    """A started stack; waits (never kills) while another local stack holds the machine's lock."""
    stack = LocalStack(
        delay_ms=delay_ms,
        status_step_ms=STATUS_STEP_MS,
        state_dir=STATE_DIR,
        lock_wait_seconds=LOCK_WAIT_SECONDS,
        db=db,
    )
    stack.start()
    return stack


def burst_on(stack: LocalStack) -> BurstResult:
    """The webhook burst on a started stack's database."""
    admin = SandboxAdmin(stack.sandbox_url)
    try:
        plugin = PluginDriver(stack.runner, demo_data.AUTH_TOKEN, public_base_url())
        result = run_burst(stack, plugin, admin, log=log.info)
    finally:
        admin.close()
    log.info(
        "burst on %s: %.0f webhooks/s, p95 %.1f ms, lost %d, duplicated %d, regressed %d",
        result.database,
        result.per_second,
        result.latency.p95,
        result.lost,
        result.duplicated,
        result.regressed,
    )
    return result


def postgres_burst(delay_ms: int) -> BurstResult:
    """The burst on its own PostgreSQL stack (one stack per machine: stopped before the next)."""
    stack = start_stack(delay_ms, db="postgres")
    try:
        return burst_on(stack)
    finally:
        stack.stop()


def bundle_section() -> list[str]:
    """The frontend bundles' sizes, as `frontend/size --json` reports them."""
    lines = ["## Frontend bundles", ""]
    try:
        done = subprocess.run(
            ["node", "frontend/size", "--json"], cwd=PROJECT_ROOT, capture_output=True, text=True
        )
    except FileNotFoundError:
        return [*lines, "node is not installed: sizes not measured (`make frontend-check`).", ""]
    size = json.loads(done.stdout)

    def kb(count: int) -> str:
        return f"{count / 1024:.1f} KB"

    return [
        *lines,
        "| bundle | minified | limit |",
        "|---|---:|---:|",
        f"| chart script (sms_app.js) | {kb(size['script'])} | {kb(size['limit'])} |",
        f"| inbox script (inbox_app.js) | {kb(size['inboxScript'])} | {kb(size['limit'])} |",
        f"| chart stylesheet (sms_app.css) | {kb(size['stylesheet'])} | - |",
        "",
        f"The chart's script and stylesheet together: {kb(size['gzip'])} gzipped.",
        "",
    ]


def feature_sections(delay_ms: int) -> list[str]:
    """Each feature's benchmark on its own stack (one stack per machine, so one after another)."""
    return [
        *run_production_bench(),
        "## Attachments: upload and send of a 3 MB photo",
        "",
        *attach_section(delay_ms=delay_ms),
        "",
        *inbox_report(),
        "",
        *database_costs(databases=("sqlite", "postgres")),
        *bundle_section(),
    ]


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    args = parse_args(argv)
    started, clock = datetime.now(UTC), time.monotonic()
    machine = Machine.current()
    bursts = [postgres_burst(args.delay_ms)]
    stack = start_stack(args.delay_ms)
    try:
        if args.burst_only:
            bursts.append(burst_on(stack))
            print("\n".join(burst_table(bursts)))
            return 0 if all(b.clean for b in bursts) else 1
        bench = Bench(stack, args.delay_ms, args.runs)
        try:
            history = [] if args.skip_history else bench.history_sweep(HISTORY_SIZES)
            if not history or history[-1].messages != args.messages:
                bench.seed(args.messages)
            fixtures = bench.prepare()
            sdk = measure_sdk_costs(stack.sandbox, bench.admin, MAIN_LINE, fixtures.inbound_url)
            actions = bench.actions(sdk)
            results = bench.run_actions(actions)
        finally:
            bench.close()
        bursts.append(burst_on(stack))  # last: its 90 sends would grow the thread timed above
    finally:
        stack.stop()
    features = [] if args.skip_features else feature_sections(args.delay_ms)
    duration = time.monotonic() - clock
    report = render_report(
        args, machine, actions, results, history, started, duration, bursts, features
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report)
    print()
    print(report)
    print(f"(written to {args.output})")
    if not all(b.clean for b in bursts):
        print("the webhook burst lost, duplicated or regressed something", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
