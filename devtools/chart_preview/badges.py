"""Canvas's delivery of application notification badges, emulated for the chart page.

A plugin sets the unread count on an application's launcher icon with a
SET_APPLICATION_NOTIFICATION_BADGE effect (`ApplicationNotificationBadge(...).broadcast(n)`),
whose payload is `{"data": {"application_identifier", "count", "patient_ids", "staff_ids"}}`.
Canvas pushes it to the users it targets: the charts of `patient_ids`, the staff members in
`staff_ids`, everyone when both are empty. The preview pushes every such effect to every chart
page on `/_preview/ws/badges`; each page keeps those that target it (see templates/chart.html).
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from devtools.runner_client import RunnerEffect

log = logging.getLogger("devtools.chart_preview")

BADGE_EFFECT = "SET_APPLICATION_NOTIFICATION_BADGE"


@dataclass(frozen=True)
class BadgeUpdate:
    """One badge effect: the application's new count for the users it targets."""

    application: str
    count: int
    patient_ids: tuple[str, ...] = ()
    staff_ids: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The message a chart page receives."""
        return {
            "type": "badge",
            "application": self.application,
            "count": self.count,
            "patientIds": list(self.patient_ids),
            "staffIds": list(self.staff_ids),
        }

    def targets(self, patient_id: str, staff_id: str) -> bool:
        """True if Canvas would show this update on `patient_id`'s chart to `staff_id`."""
        patient_ok = not self.patient_ids or patient_id in self.patient_ids
        staff_ok = not self.staff_ids or staff_id in self.staff_ids
        return patient_ok and staff_ok


def _ids(value: Any) -> tuple[str, ...] | None:
    """A list of ids as a tuple of strings (None if it is not a list of strings)."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return None
    return tuple(value)


def badge_of(effect: RunnerEffect) -> BadgeUpdate | None:
    """The badge update an effect carries, or None (another effect type, or malformed)."""
    if effect.type != BADGE_EFFECT:
        return None
    data = effect.data
    application = data.get("application_identifier")
    count = data.get("count")
    patient_ids = _ids(data.get("patient_ids"))
    staff_ids = _ids(data.get("staff_ids"))
    if not isinstance(application, str) or not application:
        return None
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        return None
    if patient_ids is None or staff_ids is None:
        return None
    return BadgeUpdate(application, count, patient_ids, staff_ids)


def badges_in(effects: tuple[RunnerEffect, ...]) -> list[BadgeUpdate]:
    """The well-formed badge updates among `effects`, in order (malformed ones are logged)."""
    found = []
    for effect in effects:
        if effect.type != BADGE_EFFECT:
            continue
        update = badge_of(effect)
        if update is None:
            log.warning("ignored a malformed %s effect", BADGE_EFFECT)
            continue
        found.append(update)
    return found


class BadgeHub:
    """The chart pages' badge sockets; `publish` sends an update to all of them."""

    def __init__(self) -> None:
        self._sockets: set[web.WebSocketResponse] = set()

    def join(self, socket: web.WebSocketResponse) -> None:
        """Register a chart page's socket."""
        self._sockets.add(socket)

    def leave(self, socket: web.WebSocketResponse) -> None:
        """Forget a socket."""
        self._sockets.discard(socket)

    @property
    def listeners(self) -> int:
        """How many chart pages listen."""
        return len(self._sockets)

    async def publish(self, update: BadgeUpdate) -> int:
        """Send the update to every open socket; return how many received it."""
        sockets = [s for s in self._sockets if not s.closed]
        text = json.dumps(update.to_json())
        results = await asyncio.gather(*(s.send_str(text) for s in sockets), return_exceptions=True)
        delivered = sum(1 for r in results if not isinstance(r, BaseException))
        log.info(
            "badge %d for %d patient(s), %d staff delivered to %d chart page(s)",
            update.count,
            len(update.patient_ids),
            len(update.staff_ids),
            delivered,
        )
        return delivered

    async def close_all(self) -> None:
        """Close every socket (server shutdown)."""
        sockets = list(self._sockets)
        self._sockets.clear()
        await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
