"""Time in the stand-in: integer microseconds since the epoch, shown in Twilio's formats."""

import time
from datetime import UTC, datetime, timedelta

TWILIO_DATE = "%a, %d %b %Y %H:%M:%S +0000"
_US = 1_000_000


def now_us() -> int:
    """Return the current time in microseconds since the epoch."""
    return time.time_ns() // 1000


def to_datetime(us: int) -> datetime:
    """Return the UTC datetime of a microsecond timestamp."""
    return datetime.fromtimestamp(us / _US, tz=UTC)


def rfc2822(us: int | None) -> str | None:
    """Return Twilio's RFC 2822 date (`Sat, 22 Nov 2026 10:00:00 +0000`), or None."""
    if us is None:
        return None
    return to_datetime(us).strftime(TWILIO_DATE)


def iso(us: int | None) -> str | None:
    """Return an ISO 8601 date with offset, or None."""
    if us is None:
        return None
    return to_datetime(us).replace(microsecond=0).isoformat()


def parse_date_filter(value: str) -> tuple[int, int]:
    """Return the [start, end) microsecond range a DateSent filter value covers.

    A plain `YYYY-MM-DD` covers the whole UTC day; a full ISO 8601 datetime covers one second.
    Raises ValueError on anything else.
    """
    value = value.strip()
    if len(value) == 10:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
        start = day
        end = day + timedelta(days=1)
    else:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        start = moment
        end = moment + timedelta(seconds=1)
    return int(start.timestamp() * _US), int(end.timestamp() * _US)
