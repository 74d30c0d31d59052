"""Numbers and tables for `make bench`: percentiles, per-action summaries, the machine, Markdown."""

from __future__ import annotations

import math
import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `fraction` of them at or below."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Timing:
    """Median and p95 of a list of wall times, in milliseconds."""

    median: float
    p95: float
    runs: int

    @classmethod
    def of(cls, samples_ms: Sequence[float]) -> Timing:
        """Summarise samples (ms)."""
        return cls(statistics.median(samples_ms), percentile(samples_ms, 0.95), len(samples_ms))


@dataclass(frozen=True)
class ActionResult:
    """What one action cost over its runs."""

    label: str
    requests: tuple[int, ...]  # Twilio requests counted per run
    round_trips: int  # sequential round trips on the critical path (from the call structure)
    wall: Timing
    overhead: Timing  # wall minus round_trips x delay, per run
    zero_delay: Timing | None  # the same action with no injected delay
    delay_ms: int
    sdk_requests: str  # what the SDK's own client would cost
    note: str

    @property
    def request_text(self) -> str:
        """'1', or '1-2' when runs differed."""
        low, high = min(self.requests), max(self.requests)
        return str(low) if low == high else f"{low}-{high}"

    @property
    def floor_ms(self) -> int:
        """The time the round trips alone take."""
        return self.round_trips * self.delay_ms

    @property
    def measured_round_trips(self) -> float | None:
        """(median with delay - median without) / delay: the round trips the clock saw."""
        if self.zero_delay is None or not self.delay_ms:
            return None
        return (self.wall.median - self.zero_delay.median) / self.delay_ms


@dataclass(frozen=True)
class HistoryPoint:
    """Log first page against one history size."""

    messages: int
    requests: tuple[int, ...]
    wall: Timing


@dataclass(frozen=True)
class Machine:
    """Where the bench ran."""

    cores: int
    cpu: str
    python: str

    @classmethod
    def current(cls) -> Machine:
        """This machine: usable cores (nproc), CPU model, Python version."""
        cpu = platform.processor() or "unknown"
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        except OSError:
            pass
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
        return cls(cores or os.cpu_count() or 0, cpu, platform.python_version())


def ms(value: float) -> str:
    """A duration in ms with one decimal."""
    return f"{value:.1f}"


def action_table(results: Sequence[ActionResult]) -> list[str]:
    """The per-action Markdown table."""
    lines = [
        "| action | Twilio requests | round trips | median ms | p95 ms | floor ms "
        "| overhead median ms | overhead p95 ms | clock's round trips | SDK as-is |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        seen = r.measured_round_trips
        lines.append(
            f"| {r.label} | {r.request_text} | {r.round_trips} | {ms(r.wall.median)} "
            f"| {ms(r.wall.p95)} | {r.floor_ms} | {ms(r.overhead.median)} | {ms(r.overhead.p95)} "
            f"| {'-' if seen is None else f'{seen:.2f}'} | {r.sdk_requests} |"
        )
    return lines


def history_table(points: Sequence[HistoryPoint]) -> list[str]:
    """Log first page against history sizes, side by side."""
    header = "| Log first page | " + " | ".join(f"{p.messages:,} messages" for p in points) + " |"
    rule = "|---|" + "---:|" * len(points)
    requests = "| Twilio requests | " + " | ".join(
        "-".join(sorted({str(min(p.requests)), str(max(p.requests))})) for p in points
    )
    median = "| median ms | " + " | ".join(ms(p.wall.median) for p in points)
    p95 = "| p95 ms | " + " | ".join(ms(p.wall.p95) for p in points)
    return [header, rule, requests + " |", median + " |", p95 + " |"]
