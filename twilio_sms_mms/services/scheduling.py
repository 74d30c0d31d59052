"""Scheduled texts: `sendAt` checked as Twilio checks it, before any request.

Twilio schedules only through a Messaging Service (with From alone it drops the schedule and
sends at once), `ScheduleType=fixed`, `SendAt` in UTC, 15 minutes to 35 days ahead (35114).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from twilio_sms_mms.constants import settings
from twilio_sms_mms.services.errors import bad_request

MIN_AHEAD = timedelta(minutes=settings.SCHEDULE_MIN_AHEAD_MINUTES)
MAX_AHEAD = timedelta(days=settings.SCHEDULE_MAX_AHEAD_DAYS)
SCHEDULE_TYPE = "fixed"


def parse_send_at(raw: object, service_sid: str, now: datetime) -> datetime | None:
    """The UTC send time of a scheduled text, None to send now, or a 400 naming `sendAt`."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise bad_request("sendAt must be a date and time (ISO 8601 with its offset)", "sendAt")
    try:
        when = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as error:
        raise bad_request(
            "sendAt must be an ISO 8601 date and time with its offset, "
            "e.g. 2026-12-03T09:30:00-05:00",
            "sendAt",
        ) from error
    if when.tzinfo is None:
        raise bad_request("sendAt needs its UTC offset, e.g. 2026-12-03T09:30:00-05:00", "sendAt")
    if not service_sid:
        raise bad_request(
            "Scheduling needs a Messaging Service (messagingServiceSid): without one Twilio "
            "would send the text at once.",
            "sendAt",
        )
    ahead = when - now
    if ahead < MIN_AHEAD:
        minutes = settings.SCHEDULE_MIN_AHEAD_MINUTES
        raise bad_request(f"A scheduled text must be at least {minutes} minutes ahead", "sendAt")
    if ahead > MAX_AHEAD:
        raise bad_request(
            f"A scheduled text can be at most {settings.SCHEDULE_MAX_AHEAD_DAYS} days ahead",
            "sendAt",
        )
    return when.astimezone(UTC)


def twilio_send_at(when: datetime) -> str:
    """SendAt as Twilio wants it: UTC, `YYYY-MM-DDTHH:MM:SSZ`."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
