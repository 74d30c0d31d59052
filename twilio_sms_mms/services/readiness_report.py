"""GET /phone_readiness: every practice number's verdict, cached for READINESS_CACHE_SECONDS.

Warm cache: no Twilio request. Cold (or `refresh`): `TwilioService.senders()`, 2 round trips
of parallel requests (2 + 2 x Messaging Services requests).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from canvas_sdk.caching.plugins import get_cache

from twilio_sms_mms.constants import settings as limits
from twilio_sms_mms.services.readiness import readiness_of
from twilio_sms_mms.services.sending_services import (
    ServiceSenders,
    senders_from_cache,
    senders_to_cache,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from twilio_sms_mms.services.twilio_service import TwilioService


def cache_key(account_sid: str) -> str:
    """Cache key of an account's numbers and Messaging Services."""
    return f"readiness:{account_sid}"


def account_senders(
    account_sid: str, twilio: Callable[[], TwilioService], refresh: bool = False
) -> tuple[dict, bool]:
    """The cached {numbers, senders, checkedAt} of the account (fetched when cold) and whether
    it came from the cache."""
    cached = None if refresh else get_cache().get(cache_key(account_sid))
    if isinstance(cached, dict):
        return cached, True
    phones, senders = twilio().senders()
    fresh = {
        "numbers": [phone.phone_number for phone in phones],
        "senders": senders_to_cache(senders),
        "checkedAt": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    get_cache().set(cache_key(account_sid), fresh, timeout_seconds=limits.READINESS_CACHE_SECONDS)
    return fresh, False


def services_of(
    account_sid: str, twilio: Callable[[], TwilioService], refresh: bool = False
) -> list[ServiceSenders]:
    """The account's Messaging Services (cached like the readiness)."""
    data, _ = account_senders(account_sid, twilio, refresh)
    return senders_from_cache(data["senders"])


def readiness_report(
    account_sid: str, twilio: Callable[[], TwilioService], refresh: bool = False
) -> dict:
    """The body of GET /phone_readiness."""
    data, cached = account_senders(account_sid, twilio, refresh)
    senders = senders_from_cache(data["senders"])
    return {
        "readiness": [readiness_of(number, senders).to_json() for number in data["numbers"]],
        "services": [
            {
                "sid": item.service.sid,
                "name": item.service.name,
                "stickySender": item.service.sticky_sender,
                "numbers": list(item.numbers),
            }
            for item in senders
        ],
        "checkedAt": data["checkedAt"],
        "cached": cached,
    }
