"""Keyset cursors for lists read newest first (inbox conversations, a thread's messages).

A cursor names the last row a page showed: its time in microseconds since the epoch and its dbid,
which orders rows stored in the same microsecond. The next page is what lies strictly before it,
so pages neither overlap nor skip a row, however many rows share a timestamp or arrive between two
requests. Clients pass the text back unchanged; it is checked here before it reaches a query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from twilio_sms_mms.services.errors import bad_request

PATTERN = re.compile(r"([0-9]{1,19})\.([0-9]{1,19})")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
MAX_DBID = 2**63 - 1


@dataclass(frozen=True)
class Position:
    """Where a page ended: the time and dbid of its oldest row."""

    moment: datetime
    dbid: int

    def encode(self) -> str:
        """The cursor text (exact to the microsecond: no float on the way)."""
        return f"{(self.moment - EPOCH) // MICROSECOND}.{self.dbid}"


def encode(position: Position | None) -> str | None:
    """The cursor of a position, or None when there is nothing before the page."""
    return position.encode() if position is not None else None


def read(text: str, field: str = "cursor") -> Position | None:
    """The position a cursor names; None for no cursor (the first page).

    Raises a 400 `ApiError` naming `field` for any text `encode` could not have made.
    """
    if not text:
        return None
    match = PATTERN.fullmatch(text)
    if not match or int(match[2]) > MAX_DBID:
        raise bad_request(f"{field} is not one this list gave", field)
    try:
        moment = EPOCH + int(match[1]) * MICROSECOND
    except OverflowError:
        raise bad_request(f"{field} is not one this list gave", field) from None
    return Position(moment, int(match[2]))
