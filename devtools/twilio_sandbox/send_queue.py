"""Twilio's outgoing queue: one line per sender, paced in message segments per second.

A message waits `queued` in its sender's line, in the order it was created, until the sender
has sent the segments before it (a US long code: 1 segment a second, see numbers.py). Twilio
checks the ValidityPeriod when a message's turn comes: if it waited longer, it fails with 30001
and takes no time from the sender. A sender holding more than 10 hours of segments refuses
new direct sends with 21611 (checked by the create).

Time here is the queue clock: seconds that run `speed` times faster than real time (1 = Twilio's
pace; the local stack runs faster so that test suites keep their timings) plus what tests added
with `advance()` (POST /_sandbox/queue/advance).
"""

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("twilio_sandbox")

MAX_VALIDITY_S = 36_000  # Twilio's default and largest ValidityPeriod: 10 hours
MAX_BACKLOG_S = 36_000  # a sender's line holds at most 10 hours of segments


class QueueClock:
    """Seconds on the queue clock: `speed` per real second, plus every advance."""

    def __init__(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("the queue clock's speed must be positive")
        self.speed = speed
        self._origin = time.monotonic()
        self._advanced = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """The current time on the queue clock."""
        with self._lock:
            return (time.monotonic() - self._origin) * self.speed + self._advanced

    def advance(self, seconds: float) -> None:
        """Move the clock forward (never back)."""
        with self._lock:
            self._advanced += max(seconds, 0.0)

    def advanced(self) -> float:
        """Seconds added by `advance` so far."""
        with self._lock:
            return self._advanced


@dataclass(frozen=True)
class Waiting:
    """A message in a sender's line."""

    sid: str
    to_number: str
    segments: int
    queued_at: float  # queue clock
    validity_s: int


class SendQueue:
    """Every sender's line, and a thread that lets messages out when their turn comes.

    `depart(waiting)` runs when a message leaves (its delivery steps start), `expire(waiting)`
    when its ValidityPeriod ran out first; both run on the queue's thread, outside its lock.
    """

    def __init__(
        self,
        clock: QueueClock,
        rate_of: Callable[[str], float],
        depart: Callable[[Waiting], None],
        expire: Callable[[Waiting], None],
    ) -> None:
        self.clock = clock
        self._rate_of = rate_of
        self._depart = depart
        self._expire = expire
        self._lines: dict[str, deque[Waiting]] = {}
        self._free_at: dict[str, float] = {}  # when each sender may start its next message
        self._wake = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="sandbox-queue", daemon=True)
        self._thread.start()

    def add(self, sender: str, sid: str, to_number: str, segments: int, validity_s: int) -> None:
        """Put a freshly queued message at the end of its sender's line."""
        waiting = Waiting(sid, to_number, max(segments, 1), self.clock.now(), validity_s)
        with self._wake:
            if self._stopping:
                return
            self._lines.setdefault(sender, deque()).append(waiting)
            self._wake.notify_all()

    def backlog_seconds(self, sender: str) -> float:
        """How long (queue clock) the sender needs to send what waits in its line."""
        with self._wake:
            return self._backlog(sender, self.clock.now())

    def advance(self, seconds: float) -> None:
        """Move the queue clock on; whatever is now due leaves (or expires) at once."""
        self.clock.advance(seconds)
        with self._wake:
            self._wake.notify_all()

    def snapshot(self) -> dict:
        """`{"speed", "advancedSeconds", "senders": {number: {"waiting", "backlogSeconds"}}}`."""
        with self._wake:
            now = self.clock.now()
            senders = {
                sender: {
                    "waiting": [item.sid for item in line],
                    "backlogSeconds": round(self._backlog(sender, now), 3),
                }
                for sender, line in self._lines.items()
                if line
            }
        return {
            "speed": self.clock.speed,
            "advancedSeconds": self.clock.advanced(),
            "senders": senders,
        }

    def stop(self) -> None:
        """Stop the thread; messages still waiting stay `queued`."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
        self._thread.join(timeout=5)

    def _backlog(self, sender: str, now: float) -> float:
        rate = self._rate_of(sender)
        waiting = sum(item.segments for item in self._lines.get(sender, ()))
        return max(self._free_at.get(sender, now) - now, 0.0) + waiting / rate

    def _take_due(self, now: float) -> list[tuple[bool, Waiting]]:
        """Pop every message whose turn has come: (True, it) to send, (False, it) expired."""
        due: list[tuple[bool, Waiting]] = []
        for sender, line in self._lines.items():
            while line:
                head = line[0]
                turn = max(self._free_at.get(sender, head.queued_at), head.queued_at)
                if turn > now:
                    break
                line.popleft()
                if turn - head.queued_at > head.validity_s:
                    due.append((False, head))
                    continue
                self._free_at[sender] = turn + head.segments / self._rate_of(sender)
                due.append((True, head))
        return due

    def _seconds_to_next_turn(self, now: float) -> float | None:
        """Real seconds until the earliest head's turn, or None when every line is empty."""
        turns = [
            max(self._free_at.get(sender, line[0].queued_at), line[0].queued_at)
            for sender, line in self._lines.items()
            if line
        ]
        if not turns:
            return None
        return max(min(turns) - now, 0.0) / self.clock.speed

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._stopping:
                    now = self.clock.now()
                    due = self._take_due(now)
                    if due:
                        break
                    self._wake.wait(self._seconds_to_next_turn(now))
                if self._stopping:
                    return
            for leaves, waiting in due:
                try:
                    (self._depart if leaves else self._expire)(waiting)
                except Exception:
                    log.exception("queue step of %s failed", waiting.sid)
