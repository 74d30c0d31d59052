"""Attachments (issue 11): upload and send of a 3 MB photo through the real runner.

Starts the local stack (SQLite, the Twilio stand-in adding `delay_ms` to every REST request) and,
per run, does what the composer does for one photo: `POST /attachments` (multipart, 3 MB) and
`POST /sms_send` with its `attachmentIds`, through the runner over gRPC with both SimpleAPI
passes. The stand-in's counters (reset before each step) give the Twilio requests of each step.
Twilio's own download of the public URL is timed apart, as Twilio does it: a GET without
credentials through the chart preview to the runner. The stand-in fetches each MediaUrl inside
the create, before it answers (Twilio answers 201 first and fetches afterwards), so the send
here includes one such download; the check at the end proves it fetched the photo byte for byte.

    .venv/bin/python -m devtools.bench_attach [--runs 10] [--delay-ms 60]
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from uuid import uuid4

import requests

from devtools import demo_data
from devtools.bench_client import (
    STAFF_HEADERS,
    BenchError,
    PluginDriver,
    SandboxAdmin,
    phone_sids,
    public_base_url,
)
from devtools.bench_stats import percentile
from devtools.runner_client import ApiResult, canvas_database_path
from devtools.stack import LocalStack

PHOTO_BYTES = 3_000_000
DEFAULT_RUNS = 10
DEFAULT_DELAY_MS = 60
LOCK_WAIT_SECONDS = 900  # another local stack may be running tests: wait for it
STATUS_STEP_MS = 3_600_000  # no delivery callbacks while the bench runs (as devtools/bench.py)
BOUNDARY = "----benchattach7f3a9c"
MAIN_LINE = demo_data.MAIN_LINE.phone_number
MARIA = demo_data.MARIA
PUBLIC_MEDIA = "/plugin-io/api/twilio_sms_mms/public_media"


def photo(size: int = PHOTO_BYTES) -> bytes:
    """A JPEG-looking file of `size` bytes that does not compress (the plugin judges by magic)."""
    noise = random.Random(11).randbytes(size - 11)
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + noise


def multipart(name: str, content_type: str, content: bytes) -> bytes:
    """One `files` part, as the browser's FormData sends it."""
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="files"; filename="{name}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{BOUNDARY}--\r\n".encode()


@dataclass(frozen=True)
class Step:
    """One step's Twilio requests per run and wall times (ms)."""

    label: str
    requests: tuple[int, ...]
    walls: tuple[float, ...]

    def row(self) -> str:
        low, high = min(self.requests), max(self.requests)
        count = str(low) if low == high else f"{low}-{high}"
        median, p95 = statistics.median(self.walls), percentile(self.walls, 0.95)
        return f"| {self.label} | {count} | {median:.1f} | {p95:.1f} |"


class AttachBench:
    """Upload + send of one photo, repeated, on a started stack."""

    def __init__(self, stack: LocalStack, content: bytes) -> None:
        self.stack = stack
        self.content = content
        self.admin = SandboxAdmin(stack.sandbox_url)
        self.plugin = PluginDriver(stack.runner, demo_data.AUTH_TOKEN, public_base_url())
        self.sender_sid = phone_sids(self.plugin.phone_list())[MAIN_LINE]

    def upload(self) -> ApiResult:
        headers = STAFF_HEADERS | {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
        body = multipart("IMG_0042.jpg", "image/jpeg", self.content)
        return self.plugin.runner.simple_api("POST", "/attachments", "", body, headers)

    def send(self, attachment_id: str) -> ApiResult:
        return self.plugin.post_json(
            "/sms_send",
            {
                "clientRequestId": uuid4().hex,
                "numberFrom": MAIN_LINE,
                "numberFromSid": self.sender_sid,
                "numberTo": MARIA.phones[0].value,
                "callbackUrl": "",
                "text": f"Photo of the dressing [{uuid4().hex[:8]}]",
                "attachmentIds": [attachment_id],
                "patientId": MARIA.key,
            },
        )

    def counted(self, call: Callable[[], ApiResult], expect: int) -> tuple[ApiResult, float, int]:
        """Run `call` with fresh stand-in counters: its answer, wall ms and Twilio requests."""
        self.admin.reset_stats()
        began = time.perf_counter()
        result = call()
        wall = (time.perf_counter() - began) * 1000
        if result.status != expect:
            raise BenchError(f"answered {result.status}, expected {expect}: {result.body[:200]!r}")
        return result, wall, sum(self.admin.stats().values())

    def public_url(self, attachment_id: str) -> str:
        """The URL Twilio is given (its token is only in the plugin's table)."""
        with closing(sqlite3.connect(canvas_database_path(), timeout=60)) as connection:
            row = connection.execute(
                "SELECT token FROM attachment WHERE public_id = ?", (attachment_id,)
            ).fetchone()
        if row is None:
            raise BenchError(f"attachment {attachment_id} is not in the plugin's table")
        return f"{public_base_url()}{PUBLIC_MEDIA}/{attachment_id}/{row[0]}"

    def fetch(self, url: str) -> float:
        """Wall ms of one GET as Twilio does it (no credentials); checks the bytes."""
        began = time.perf_counter()
        answer = requests.get(url, timeout=60)
        wall = (time.perf_counter() - began) * 1000
        if answer.status_code != 200 or answer.content != self.content:
            raise BenchError(f"the public URL answered {answer.status_code}")
        return wall

    def run(self, runs: int) -> list[Step]:
        """One warm-up, then `runs` runs of upload, send, and Twilio's GET of the public URL."""
        self.send(self.upload().json()["attachments"][0]["id"])
        uploads: list[tuple[float, int]] = []
        sends: list[tuple[float, int]] = []
        fetches: list[float] = []
        sid = ""
        for _ in range(runs):
            uploaded, wall, count = self.counted(self.upload, 201)
            uploads.append((wall, count))
            attachment_id = uploaded.json()["attachments"][0]["id"]
            fetches.append(self.fetch(self.public_url(attachment_id)))
            sent, wall, count = self.counted(partial(self.send, attachment_id), 201)
            sends.append((wall, count))
            sid = sent.json()["message"]["sid"]
        self.check_fetched(sid)
        both = [(u[0] + s[0], u[1] + s[1]) for u, s in zip(uploads, sends, strict=True)]
        return [
            step("Upload (`POST /attachments`, 1 file)", uploads),
            step("Send (`POST /sms_send` with `attachmentIds`; the stand-in's GET inside)", sends),
            step("Upload + send", both),
            Step("Twilio's GET of the public URL (alone)", (0,) * runs, tuple(fetches)),
        ]

    def check_fetched(self, sid: str) -> None:
        """The stand-in holds the photo it fetched from the public URL, not a placeholder."""
        message = next((m for m in self.admin.messages(20) if m["sid"] == sid), None)
        media = message["media"] if message else []
        if [(m["content_type"], m["size"]) for m in media] != [("image/jpeg", len(self.content))]:
            raise BenchError(f"the stand-in did not fetch the photo: {media}")

    def close(self) -> None:
        self.admin.close()


def step(label: str, samples: Sequence[tuple[float, int]]) -> Step:
    return Step(label, tuple(c for _, c in samples), tuple(w for w, _ in samples))


def measure_on(stack: LocalStack, runs: int, delay_ms: int) -> list[str]:
    """Markdown lines for docs/benchmark.md, measured on a started stack."""
    bench = AttachBench(stack, photo())
    try:
        bench.admin.set_delay(delay_ms)
        steps = bench.run(runs)
    finally:
        bench.admin.clear_faults()
        bench.close()
    size = f"{PHOTO_BYTES / 1e6:.1f} MB"
    return [
        f"Attachments: a {size} photo uploaded and sent to Maria's mobile through the real runner",
        f"(SQLite, both SimpleAPI passes), the stand-in adding {delay_ms} ms to each Twilio",
        f"request; {runs} runs after a warm-up. The send's time includes the stand-in's download",
        "of the public URL (Twilio downloads after answering), timed alone in the last row.",
        "",
        "| step | Twilio requests | median ms | p95 ms |",
        "|---|---:|---:|---:|",
        *(item.row() for item in steps),
    ]


def attach_section(runs: int = DEFAULT_RUNS, delay_ms: int = DEFAULT_DELAY_MS) -> list[str]:
    """Start a stack, measure, stop it: the section's markdown lines."""
    stack = LocalStack(
        db="sqlite",
        delay_ms=delay_ms,
        status_step_ms=STATUS_STEP_MS,
        lock_wait_seconds=LOCK_WAIT_SECONDS,
    )
    stack.start()
    try:
        return measure_on(stack, runs, delay_ms)
    finally:
        stack.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS)
    parser.add_argument("--delay-ms", type=int, default=DEFAULT_DELAY_MS)
    args = parser.parse_args(argv)
    print("\n".join(attach_section(args.runs, args.delay_ms)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
