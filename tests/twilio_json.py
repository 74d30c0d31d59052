"""Twilio REST resources as Twilio sends them (shapes from Twilio's API reference)."""

from __future__ import annotations

from typing import Any

from tests.plugin_harness import ACCOUNT_SID

BASE = f"/2010-04-01/Accounts/{ACCOUNT_SID}"
DATE = "Sun, 22 Nov 2026 10:04:05 +0000"


def sid(prefix: str, n: int) -> str:
    """A well-formed SID with a recognisable number."""
    return f"{prefix}{n:032x}"


def phone(
    n: int = 1,
    *,
    number: str = "+15550100001",
    sms: bool = True,
    mms: bool = True,
    label: str = "Main line",
    sms_url: str = "",
) -> dict[str, Any]:
    """An IncomingPhoneNumber resource."""
    return {
        "account_sid": ACCOUNT_SID,
        "sid": sid("PN", n),
        "phone_number": number,
        "friendly_name": label,
        "capabilities": {"voice": True, "sms": sms, "mms": mms, "fax": False},
        "status": "in-use",
        "sms_url": sms_url,
        "sms_method": "POST",
        "sms_fallback_url": "",
        "sms_fallback_method": "POST",
        "status_callback": "",
        "status_callback_method": "POST",
        "date_created": DATE,
        "date_updated": DATE,
        "api_version": "2010-04-01",
        "uri": f"{BASE}/IncomingPhoneNumbers/{sid('PN', n)}.json",
    }


def message(
    n: int = 1,
    *,
    body: str = "Your appointment is tomorrow at 9:00.",
    status: str = "delivered",
    date_sent: str | None = DATE,
    num_media: str = "0",
    error_code: int | None = None,
    direction: str = "outbound-api",
    number_from: str = "+15550100001",
    number_to: str = "+15550123456",
) -> dict[str, Any]:
    """A Message resource."""
    message_sid = sid("MM" if num_media != "0" else "SM", n)
    return {
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": DATE,
        "date_sent": date_sent,
        "date_updated": DATE,
        "direction": direction,
        "error_code": error_code,
        "error_message": "Unreachable destination handset" if error_code else None,
        "from": number_from,
        "to": number_to,
        "messaging_service_sid": None,
        "num_media": num_media,
        "num_segments": "1",
        "price": "-0.00790" if date_sent else None,
        "price_unit": "USD",
        "sid": message_sid,
        "status": status,
        "subresource_uris": {"media": f"{BASE}/Messages/{message_sid}/Media.json"},
        "uri": f"{BASE}/Messages/{message_sid}.json",
    }


def media(message_sid: str, n: int, content_type: str = "image/png") -> dict[str, Any]:
    """A Media resource."""
    return {
        "account_sid": ACCOUNT_SID,
        "content_type": content_type,
        "date_created": DATE,
        "date_updated": DATE,
        "parent_sid": message_sid,
        "sid": sid("ME", n),
        "uri": f"{BASE}/Messages/{message_sid}/Media/{sid('ME', n)}.json",
    }


def page(key: str, items: list[dict[str, Any]], next_page_uri: str | None = None) -> dict:
    """A list page with Twilio's paging fields."""
    return {
        key: items,
        "next_page_uri": next_page_uri,
        "page": 0,
        "page_size": len(items),
        "first_page_uri": None,
        "previous_page_uri": None,
        "uri": None,
        "start": 0,
        "end": max(len(items) - 1, 0),
    }


def error(code: int, status: int, message: str = "error") -> dict[str, Any]:
    """Twilio's error body."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
