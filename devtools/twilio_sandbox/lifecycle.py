"""Delivery over time: queued -> sent -> delivered (or a failure), with status callbacks."""

import heapq
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from devtools.twilio_sandbox.clock import now_us
from devtools.twilio_sandbox.records import Message
from devtools.twilio_sandbox.segments import price_for
from devtools.twilio_sandbox.store import Store
from devtools.twilio_sandbox.twilio_json import API_VERSION
from devtools.twilio_sandbox.webhooks import call_signed

log = logging.getLogger("twilio_sandbox")

UNREACHABLE_HANDSET = "+15550130003"
LANDLINE = "+15550130006"


@dataclass(frozen=True)
class Step:
    """One status change: the new status and, for failures, Twilio's error."""

    status: str
    error_code: int | None = None
    error_message: str | None = None


def steps_for(to_number: str) -> list[Step]:
    """Return the statuses an outbound message to `to_number` goes through after `queued`."""
    if to_number == UNREACHABLE_HANDSET:
        return [Step("sent"), Step("undelivered", 30003, "Unreachable destination handset")]
    if to_number == LANDLINE:
        return [Step("failed", 30006, "Landline or unreachable carrier")]
    return [Step("sent"), Step("delivered")]


def callback_params(account_sid: str, message: Message) -> list[tuple[str, str]]:
    """Return the form parameters of a status callback for the message's current state."""
    params = [
        ("AccountSid", account_sid),
        ("ApiVersion", API_VERSION),
        ("From", message.from_number),
        ("MessageSid", message.sid),
        ("MessageStatus", message.status),
        ("SmsSid", message.sid),
        ("SmsStatus", message.status),
        ("To", message.to_number),
    ]
    if message.status in ("failed", "undelivered") and message.error_code is not None:
        params += [
            ("ErrorCode", str(message.error_code)),
            ("ErrorMessage", message.error_message or ""),
        ]
    return params


class Lifecycle:
    """Moves outbound messages along their steps on a timer thread; callbacks run in a pool.

    The next step of a message is scheduled only after its previous callback returned, so a
    receiver sees sent before delivered.
    """

    def __init__(self, store: Store, account_sid: str, auth_token: str, step_ms: int) -> None:
        self._store = store
        self._account_sid = account_sid
        self._auth_token = auth_token
        self._step_s = max(step_ms, 0) / 1000
        self._queue: list[tuple[float, int, str, list[Step]]] = []
        self._counter = 0
        self._wake = threading.Condition()
        self._stopping = False
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="sandbox-callback")
        self._thread = threading.Thread(target=self._run, name="sandbox-lifecycle", daemon=True)
        self._thread.start()

    def track(self, message_sid: str, to_number: str) -> None:
        """Start moving a freshly queued message along its steps."""
        self._schedule(message_sid, steps_for(to_number))

    def fail(self, message_sid: str, error_code: int, error_message: str) -> None:
        """Fail a freshly queued message (e.g. its media could not be fetched)."""
        self._schedule(message_sid, [Step("failed", error_code, error_message)])

    def stop(self) -> None:
        """Stop the timer thread and wait for running callbacks."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _schedule(self, sid: str, steps: list[Step]) -> None:
        with self._wake:
            if self._stopping or not steps:
                return
            self._counter += 1
            heapq.heappush(
                self._queue, (time.monotonic() + self._step_s, self._counter, sid, steps)
            )
            self._wake.notify_all()

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._stopping and (
                    not self._queue or self._queue[0][0] > time.monotonic()
                ):
                    timeout = self._queue[0][0] - time.monotonic() if self._queue else None
                    self._wake.wait(timeout)
                if self._stopping:
                    return
                _, _, sid, steps = heapq.heappop(self._queue)
            try:
                self._advance(sid, steps)
            except Exception:
                log.exception("status step of %s failed", sid)

    def _advance(self, sid: str, steps: list[Step]) -> None:
        step, rest = steps[0], steps[1:]
        message = self._store.message(sid)
        if message is None:  # deleted meanwhile
            return
        at = now_us()
        changes: dict[str, object] = {"status": step.status, "updated_us": at}
        if step.status == "sent":
            changes["sent_us"] = at
            changes["price"] = price_for(message.num_segments, message.num_media)
        if step.error_code is not None:
            changes["error_code"] = step.error_code
            changes["error_message"] = step.error_message
        if not self._store.update_message(sid, changes):
            return
        updated = self._store.message(sid)
        if updated is None:
            return
        try:
            self._pool.submit(self._notify_then_continue, updated, rest)
        except RuntimeError:  # pool already shut down
            return

    def _notify_then_continue(self, message: Message, rest: list[Step]) -> None:
        if message.status_callback:
            params = callback_params(self._account_sid, message)
            call_signed(message.status_callback, "POST", params, self._auth_token)
        self._schedule(message.sid, rest)
