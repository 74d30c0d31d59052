"""Production sending under pressure, through the real plugin runner (issue 10's figures).

Starts its own local stack (SQLite, the demo seed) and measures two things:

1. **429 bursts.** 100 texts sent one after the other through `POST /sms_send` from the Main line
   while the Twilio stand-in answers HTTP 429 (code 20429) to one request in three (its fault
   switch `failEvery`: the 3rd, 6th, 9th... request). Counted at the stand-in: the messages it
   holds (every send must be there once: 100), duplicates (a text held twice: 0), the tries each
   send took (`POST Messages.json` requests per send: the plugin retries a 429 with backoff, at
   most 3 tries, then answers 503), and how many texts were delivered afterwards.
2. **The Phones tab.** `GET /phone_list` and `GET /phone_readiness`, cold (`?refresh=1`: the
   numbers, Messaging Services and A2P campaigns fetched again) and warm (cached): Twilio
   requests (the stand-in's counters) and round trips, read off the clock: the stand-in delays
   every request by D ms, and (median with D - median without) / D is the number of sequential
   round trips. Cold readiness is measured for the demo (1 Messaging Service) and again with 5.

    .venv/bin/python -m devtools.bench_production [--sends 100] [--fail-every 3] [--delay-ms 100]
        [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import uuid4

from devtools import demo_data
from devtools.bench_client import (
    BenchError,
    PluginDriver,
    SandboxAdmin,
    phone_sids,
    public_base_url,
)
from devtools.bench_stats import Timing
from devtools.runner_client import ApiResult
from devtools.stack import LocalStack

MAIN_LINE = demo_data.MAIN_LINE.phone_number
RECIPIENT = "+15550188801"  # on no chart: each send confirms "no consent recorded"
MESSAGE_CREATE = "POST Messages.json"
EXTRA_SERVICES = 4  # the cold readiness again with 1 + 4 Messaging Services
SETTLE_SECONDS = 60.0


@dataclass(frozen=True)
class BurstOutcome:
    """What 429 bursts did to a run of sends."""

    sends: int
    fail_every: int
    answered: Counter[int]  # HTTP status of POST /sms_send -> count
    at_twilio: int  # distinct texts the stand-in holds
    duplicates: int  # extra copies of a text at the stand-in
    tries: tuple[int, ...]  # POST Messages.json per send
    rejected_429: int  # 429s the stand-in answered during the run
    wall: Timing  # per send, backoff included
    delivered: int  # texts delivered once the queue and callbacks settled


@dataclass(frozen=True)
class ReadCost:
    """Twilio requests and round trips of one read."""

    label: str
    requests: dict[str, int]  # by route, for one call
    with_delay: Timing
    without_delay: Timing
    delay_ms: int

    @property
    def request_count(self) -> int:
        return sum(self.requests.values())

    @property
    def round_trips(self) -> float:
        """Sequential round trips, from the clock."""
        return (self.with_delay.median - self.without_delay.median) / self.delay_ms


def send_burst(
    plugin: PluginDriver, admin: SandboxAdmin, sends: int, fail_every: int
) -> BurstOutcome:
    """Send `sends` texts one by one while one Twilio request in `fail_every` answers 429."""
    line = phone_sids(plugin.phone_list())[MAIN_LINE]  # warm: each send is then 1 POST
    tag = uuid4().hex[:8]
    admin.http.post(
        f"{admin.base_url}/_sandbox/faults",
        json={"delayMs": 0, "failStatus": 429, "failEvery": fail_every},
        timeout=10,
    ).raise_for_status()
    answered: Counter[int] = Counter()
    tries: list[int] = []
    walls: list[float] = []
    try:
        for index in range(sends):
            admin.reset_stats()
            began = time.perf_counter()
            result = plugin.send(
                MAIN_LINE,
                line,
                RECIPIENT,
                f"Bench 429 [{tag}] #{index}: your appointment is confirmed.",
                confirm_no_consent=True,
            )
            walls.append((time.perf_counter() - began) * 1000)
            answered[result.status] += 1
            tries.append(admin.stats().get(MESSAGE_CREATE, 0))
    finally:
        admin.clear_faults()
    held = Counter(
        m["body"] for m in admin.messages(5 * sends, to=RECIPIENT) if f"[{tag}]" in m["body"]
    )
    return BurstOutcome(
        sends=sends,
        fail_every=fail_every,
        answered=answered,
        at_twilio=len(held),
        duplicates=sum(count - 1 for count in held.values()),
        tries=tuple(tries),
        rejected_429=sum(tries) - answered[201],  # every try but the accepted one met a 429
        wall=Timing.of(walls),
        delivered=settled_deliveries(admin, tag, sends),
    )


def settled_deliveries(admin: SandboxAdmin, tag: str, expected: int) -> int:
    """Delivered texts of the run, once they are all final (or SETTLE_SECONDS passed)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        mine = [m for m in admin.messages(5 * expected, to=RECIPIENT) if f"[{tag}]" in m["body"]]
        delivered = sum(1 for m in mine if m["status"] == "delivered")
        if delivered >= expected or time.monotonic() > deadline:
            return delivered
        time.sleep(0.5)


def timed(call: Callable[[], ApiResult], runs: int) -> Timing:
    """Median and p95 wall time of `runs` calls (each must answer 200)."""
    walls = []
    for _ in range(runs):
        began = time.perf_counter()
        result = call()
        walls.append((time.perf_counter() - began) * 1000)
        if result.status != 200:
            raise BenchError(f"answered {result.status}: {result.body[:200]!r}")
    return Timing.of(walls)


def read_cost(
    label: str, call: Callable[[], ApiResult], admin: SandboxAdmin, delay_ms: int, runs: int
) -> ReadCost:
    """Requests of one call, then its wall time with and without the injected delay."""
    admin.reset_stats()
    if call().status != 200:
        raise BenchError(f"{label} did not answer 200")
    requests = admin.stats()
    admin.set_delay(delay_ms)
    try:
        with_delay = timed(call, runs)
    finally:
        admin.clear_faults()
    return ReadCost(label, requests, with_delay, timed(call, runs), delay_ms)


def phones_tab(
    plugin: PluginDriver, admin: SandboxAdmin, delay_ms: int, runs: int
) -> list[ReadCost]:
    """The Phones tab's two reads, cold and warm, with the demo's one service, then with more."""

    def readiness(refresh: bool) -> Callable[[], ApiResult]:
        return lambda: plugin.get("/phone_readiness", {"refresh": 1} if refresh else {})

    costs = [
        read_cost("GET /phone_list", plugin.phone_list, admin, delay_ms, runs),
        read_cost("GET /phone_readiness, cold (1 service)", readiness(True), admin, delay_ms, runs),
        # The cold runs just filled the cache (10 minutes): every call below is warm.
        read_cost("GET /phone_readiness, warm (cached)", readiness(False), admin, delay_ms, runs),
    ]
    for index in range(EXTRA_SERVICES):
        admin.http.post(
            f"{admin.base_url}/_sandbox/services",
            json={
                "name": f"Bench service {index + 1}",
                "numbers": [f"+1555019{index:04d}"],
                "campaign": "VERIFIED",
            },
            timeout=10,
        ).raise_for_status()
    costs.append(
        read_cost(
            f"GET /phone_readiness, cold ({1 + EXTRA_SERVICES} services)",
            readiness(True),
            admin,
            delay_ms,
            runs,
        )
    )
    return costs


def burst_lines(outcome: BurstOutcome) -> list[str]:
    """Markdown for the 429 bursts."""
    tries = outcome.tries
    spread = Counter(tries)
    answered = ", ".join(f"{status}: {n}" for status, n in sorted(outcome.answered.items()))
    return [
        "## Sends while Twilio answers 429 to one request in three",
        "",
        "| sends | 429 every | answers (HTTP: count) | messages at Twilio | duplicates "
        "| 429s answered | tries per send max | tries per send median | tries: sends "
        "| median ms | p95 ms | delivered |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|",
        f"| {outcome.sends} | {outcome.fail_every} | {answered} | {outcome.at_twilio} "
        f"| {outcome.duplicates} | {outcome.rejected_429} | {max(tries)} "
        f"| {statistics.median(tries):g} "
        f"| {', '.join(f'{k}: {v}' for k, v in sorted(spread.items()))} "
        f"| {outcome.wall.median:.0f} | {outcome.wall.p95:.0f} | {outcome.delivered} |",
        "",
        "- One `POST /sms_send` at a time from the Main line (its capabilities cached, so a send "
        "is one Twilio request when nothing fails) to a number on no chart, through the real "
        "runner with both SimpleAPI passes. The stand-in's fault switch answered 429/20429 to "
        "every third Twilio request; the plugin waits 0.25-0.5 s, then 0.5-0.75 s, and tries "
        "again (a 429 means Twilio did not take the request, so even a POST is safe to repeat), "
        "at most 3 tries before answering 503 `twilio_busy`.",
        "- **Messages at Twilio** and **duplicates** are read from the stand-in's store (each "
        "text carries the run's tag and its index). **Tries per send**: `POST Messages.json` "
        "requests the stand-in counted during that send. **Delivered**: after the last send, "
        "once the stand-in's queue (paced per number) and status steps settled.",
        "",
    ]


def read_lines(costs: Sequence[ReadCost]) -> list[str]:
    """Markdown for the Phones tab's reads."""
    pool = min(32, (os.cpu_count() or 1) + 4)  # ThreadPoolExecutor()'s default size
    delay = costs[0].delay_ms if costs else 0
    runs = costs[0].with_delay.runs if costs else 0
    lines = [
        "## Phones tab: phone list and readiness, cold and warm",
        "",
        f"| request | Twilio requests | by route | median ms, {delay} ms per request "
        "| median ms, no delay | round trips (clock) |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for cost in costs:
        routes = ", ".join(f"{route} x{n}" for route, n in sorted(cost.requests.items())) or "-"
        lines.append(
            f"| {cost.label} | {cost.request_count} | {routes} | {cost.with_delay.median:.0f} "
            f"| {cost.without_delay.median:.0f} | {cost.round_trips:.2f} |"
        )
    lines += [
        "",
        f"- {runs} runs of each request with the stand-in delaying every Twilio request by "
        f"{delay} ms, then {runs} without; round trips = (median with - median without) / "
        "delay. Requests made in parallel (`Http.batch_requests`) cost one round trip together.",
        "- Cold readiness: the numbers' first page with the Messaging Services list, then each "
        "service's numbers and US A2P campaign (2 + 2 x services requests, 2 round trips while the "
        "second batch fits the SDK's thread pool, see below). Warm: "
        "the cached verdicts (10 minutes), no Twilio request. The Phones tab asks for both "
        "reads at once, so opening it costs the slower of the two.",
        f"- The SDK runs a batch on a default thread pool: min(32, cores + 4) threads, {pool} on "
        f"this machine. A batch of more than {pool} requests goes in waves, one round trip "
        "each: the second step of a cold readiness stays one round trip up to "
        f"{pool // 2} Messaging Services here.",
        "",
    ]
    return lines


def run_production_bench(
    sends: int = 100, fail_every: int = 3, delay_ms: int = 100, runs: int = 10
) -> list[str]:
    """Start a local stack, run both measurements, return the markdown for docs/benchmark.md."""
    stack = LocalStack(db="sqlite", lock_wait_seconds=900)
    stack.start()
    admin = SandboxAdmin(stack.sandbox_url)
    try:
        plugin = PluginDriver(stack.runner, demo_data.AUTH_TOKEN, public_base_url())
        costs = phones_tab(plugin, admin, delay_ms, runs)
        outcome = send_burst(plugin, admin, sends, fail_every)
    finally:
        admin.close()
        stack.stop()
    return [*burst_lines(outcome), *read_lines(costs)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sends", type=int, default=100)
    parser.add_argument("--fail-every", type=int, default=3)
    parser.add_argument("--delay-ms", type=int, default=100)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    if args.sends < 1 or args.fail_every < 2 or args.delay_ms < 10 or args.runs < 1:
        parser.error("--sends >= 1, --fail-every >= 2, --delay-ms >= 10, --runs >= 1 please")
    print("\n".join(run_production_bench(args.sends, args.fail_every, args.delay_ms, args.runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
