"""Admin-controlled behaviour of the REST API: request counters and injected faults."""

import threading
from collections import Counter
from dataclasses import dataclass


class Stats:
    """Counts REST requests by `METHOD resource-kind`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_route: Counter[str] = Counter()

    def count(self, route: str) -> None:
        """Count one request."""
        with self._lock:
            self._by_route[route] += 1

    def snapshot(self) -> dict:
        """Return `{"total": n, "byRoute": {...}}`."""
        with self._lock:
            return {"total": sum(self._by_route.values()), "byRoute": dict(self._by_route)}

    def reset(self) -> None:
        """Forget every count."""
        with self._lock:
            self._by_route.clear()


class DropConnection(Exception):
    """Close the connection without answering: the request was processed, its answer is lost."""


@dataclass
class FaultPlan:
    """A delay before every REST response, how many next requests fail with which status, and
    how many next sends are stored but never answered (the connection is dropped).

    `fail_every: n` fails one request in n with `fail_status` (the nth, 2nth, ... request after
    the plan was set) until the plan changes: a Twilio that keeps answering 429 to some requests.
    """

    delay_ms: int = 0
    fail_status: int = 0
    fail_count: int = 0
    drop_after_accept: int = 0
    fail_every: int = 0
    seen: int = 0  # requests since the plan was set (for fail_every)


class Faults:
    """Thread-safe holder of the current fault plan."""

    def __init__(self, delay_ms: int = 0) -> None:
        self._lock = threading.Lock()
        self._default_delay = delay_ms
        self._plan = FaultPlan(delay_ms=delay_ms)

    def configure(
        self,
        delay_ms: int,
        fail_status: int,
        fail_count: int,
        drop_after_accept: int = 0,
        fail_every: int = 0,
    ) -> FaultPlan:
        """Replace the plan and return it."""
        with self._lock:
            self._plan = FaultPlan(delay_ms, fail_status, fail_count, drop_after_accept, fail_every)
            return FaultPlan(**vars(self._plan))

    def clear(self) -> None:
        """Go back to the command-line delay and no failures."""
        with self._lock:
            self._plan = FaultPlan(delay_ms=self._default_delay)

    def current(self) -> FaultPlan:
        """Return a copy of the plan."""
        with self._lock:
            return FaultPlan(**vars(self._plan))

    def take(self) -> tuple[int, int | None]:
        """Return (delay_ms, status to fail with or None), consuming one planned failure."""
        with self._lock:
            plan = self._plan
            plan.seen += 1
            if plan.fail_count > 0 and plan.fail_status:
                plan.fail_count -= 1
                return plan.delay_ms, plan.fail_status
            if plan.fail_every > 0 and plan.fail_status and plan.seen % plan.fail_every == 0:
                return plan.delay_ms, plan.fail_status
            return plan.delay_ms, None

    def take_drop(self) -> bool:
        """True when this accepted send must go unanswered (consumes one planned drop)."""
        with self._lock:
            if self._plan.drop_after_accept > 0:
                self._plan.drop_after_accept -= 1
                return True
            return False
