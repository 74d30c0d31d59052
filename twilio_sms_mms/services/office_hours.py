"""Office hours and the after-hours auto-reply decision (pure: no database, no clock).

`OfficeHours` variable: `{"mon": ["08:00-12:00", "13:00-17:00"], ..., "holidays": ["2026-12-25"]}`
in the practice's time zone (`PracticeTimeZone`). A day not listed is closed; a holiday is closed
all day. An empty variable means "no office hours configured": never after hours.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from twilio_sms_mms.constants import settings as names

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SPAN = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])")
DAY_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class ReplyKind(StrEnum):
    """Which automatic reply an inbound text gets."""

    NONE = "none"
    AUTO = "auto"  # AutoReplyText (in office hours, or no hours configured)
    AFTER_HOURS = "after_hours"  # AfterHoursReplyText


@dataclass(frozen=True)
class Span:
    """Open from `start` (inclusive) to `end` (exclusive), as minutes after midnight."""

    start: int
    end: int


@dataclass(frozen=True)
class OfficeHours:
    """The weekly opening spans (index 0 is Monday) and the closed dates."""

    week: tuple[tuple[Span, ...], ...]
    holidays: frozenset[date]
    configured: bool = True

    def is_open(self, moment: datetime, zone: ZoneInfo) -> bool:
        """True when `moment` (aware) falls in an opening span, local time, not on a holiday."""
        if not self.configured:
            return True
        local = moment.astimezone(zone)
        if local.date() in self.holidays:
            return False
        minute = local.hour * 60 + local.minute
        return any(span.start <= minute < span.end for span in self.week[local.weekday()])


NOT_CONFIGURED = OfficeHours(week=((),) * 7, holidays=frozenset(), configured=False)


def parse_office_hours(raw: str) -> tuple[OfficeHours, str | None]:
    """Parse the OfficeHours variable; on any problem, no hours and a message naming it."""
    if not raw.strip():
        return NOT_CONFIGURED, None
    problem = f"{names.OFFICE_HOURS} is not valid: "
    try:
        data = json.loads(raw)
    except ValueError:
        return NOT_CONFIGURED, problem + "not JSON"
    if not isinstance(data, dict):
        return NOT_CONFIGURED, problem + "expected a JSON object"
    unknown = sorted(set(data) - {*DAYS, "holidays"})
    if unknown:
        return NOT_CONFIGURED, problem + f"unknown key {unknown[0]!r}"
    week: list[tuple[Span, ...]] = []
    for day in DAYS:
        spans = data.get(day, [])
        if not isinstance(spans, list):
            return NOT_CONFIGURED, problem + f'{day} must be a list of "HH:MM-HH:MM"'
        parsed = []
        for text in spans:
            span = parse_span(text)
            if span is None:
                return NOT_CONFIGURED, problem + f"{day} has a bad span {str(text)[:20]!r}"
            parsed.append(span)
        week.append(tuple(parsed))
    holidays = data.get("holidays", [])
    if not isinstance(holidays, list):
        return NOT_CONFIGURED, problem + "holidays must be a list of YYYY-MM-DD dates"
    closed = set()
    for text in holidays:
        day_off = parse_date(text)
        if day_off is None:
            return NOT_CONFIGURED, problem + f"bad holiday {str(text)[:20]!r}"
        closed.add(day_off)
    return OfficeHours(week=tuple(week), holidays=frozenset(closed)), None


def parse_span(text: object) -> Span | None:
    """'08:00-12:00' as a Span; None when malformed or empty (end not after start)."""
    if not isinstance(text, str):
        return None
    match = SPAN.fullmatch(text.strip())
    if not match:
        return None
    start = int(match[1]) * 60 + int(match[2])
    end = int(match[3]) * 60 + int(match[4])
    return Span(start, end) if start < end <= 24 * 60 else None


def parse_date(text: object) -> date | None:
    """'2026-12-25' as a date, else None."""
    if not isinstance(text, str) or not DAY_PATTERN.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_time_zone(raw: str) -> tuple[ZoneInfo, str | None]:
    """The IANA zone of PracticeTimeZone (default America/New_York); a problem if unknown."""
    name = raw.strip() or names.DEFAULT_PRACTICE_TIME_ZONE
    try:
        return ZoneInfo(name), None
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        fallback = ZoneInfo(names.DEFAULT_PRACTICE_TIME_ZONE)
        return fallback, f"{names.PRACTICE_TIME_ZONE} is not an IANA time zone name"


def parse_quiet_hours(raw: str) -> tuple[int, str | None]:
    """Hours between two automatic replies to one number (default 12, 0..720)."""
    text = raw.strip()
    if not text:
        return names.DEFAULT_AUTO_REPLY_QUIET_HOURS, None
    if text.isdigit() and int(text) <= 720:
        return int(text), None
    return names.DEFAULT_AUTO_REPLY_QUIET_HOURS, (
        f"{names.AUTO_REPLY_QUIET_HOURS} must be a whole number of hours (0 to 720)"
    )


@dataclass(frozen=True)
class AutoReplyRules:
    """Everything the inbound path needs to choose an automatic reply."""

    auto_reply_text: str
    after_hours_text: str
    hours: OfficeHours
    zone: ZoneInfo
    quiet: timedelta
    broken: bool = False  # a variable was invalid: no automatic reply at all

    def choose(self, moment: datetime, last_reply: datetime | None) -> tuple[ReplyKind, str]:
        """The reply for a non-keyword text received at `moment`.

        `last_reply` is when the number last got an automatic reply (None: never).
        """
        if self.broken:
            return ReplyKind.NONE, ""
        if last_reply is not None and moment - last_reply < self.quiet:
            return ReplyKind.NONE, ""
        if self.hours.configured and not self.hours.is_open(moment, self.zone):
            if self.after_hours_text:
                return ReplyKind.AFTER_HOURS, self.after_hours_text
            return ReplyKind.NONE, ""
        if self.auto_reply_text:
            return ReplyKind.AUTO, self.auto_reply_text
        return ReplyKind.NONE, ""
