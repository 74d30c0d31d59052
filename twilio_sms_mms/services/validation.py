"""Checks on what clinicians and the UI send: numbers, message bodies, URLs, request payloads."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from twilio_sms_mms.constants import settings as limits
from twilio_sms_mms.constants.client_values import E164_PATTERN_SOURCE
from twilio_sms_mms.services.errors import bad_request
from twilio_sms_mms.services.segments import Segmentation, segmentation

E164_PATTERN = re.compile(E164_PATTERN_SOURCE)
SID_PATTERNS = {
    "message": re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$"),
    "media": re.compile(r"^ME[0-9a-fA-F]{32}$"),
    "phone": re.compile(r"^PN[0-9a-fA-F]{32}$"),
}
PATIENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,64}$")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})


def normalise_phone(raw: str) -> str:
    """Return a phone number in E.164, accepting spaces, dashes, dots and parentheses."""
    compact = re.sub(r"[\s().-]", "", raw or "")
    if re.fullmatch(r"[0-9]{10}", compact):
        compact = f"+1{compact}"
    elif re.fullmatch(r"1[0-9]{10}", compact):
        compact = f"+{compact}"
    return compact


def require_e164(raw: object, field: str) -> str:
    """Return the number in E.164 or raise a 400 naming the field."""
    number = normalise_phone(raw) if isinstance(raw, str) else ""
    if not E164_PATTERN.match(number):
        raise bad_request(
            f"{field} must be a phone number in E.164 format, e.g. +15551234567", field
        )
    return number


def require_sid(raw: str, kind: str, field: str | None = None) -> str:
    """Return a Twilio SID of the given kind (message, media, phone) or raise a 400."""
    sid = unquote(raw or "")
    if not SID_PATTERNS[kind].match(sid):
        raise bad_request(f"'{sid[:40]}' is not a valid {kind} SID", field)
    return sid


def is_allowed_url(url: str) -> bool:
    """True for https URLs, and for http on loopback (the local demo stack)."""
    parsed = urlparse(url)
    if not parsed.netloc or parsed.username or parsed.password:
        return False
    if parsed.scheme == "https":
        return True
    return parsed.scheme == "http" and (parsed.hostname or "") in LOOPBACK_HOSTS


def parse_json_object(body: bytes) -> dict:
    """Return the request body as a JSON object or raise a 400."""
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as error:
        raise bad_request("The request body is not valid JSON") from error
    if not isinstance(data, dict):
        raise bad_request("The request body must be a JSON object")
    return data


@dataclass(frozen=True)
class SendRequest:
    """A validated request to send an SMS or MMS."""

    number_from: str
    number_from_sid: str
    number_to: str
    text: str
    media_urls: tuple[str, ...]
    callback_url: str

    @property
    def segmentation(self) -> Segmentation:
        """Encoding and segments of the body."""
        return segmentation(self.text)


def parse_send_request(data: dict, default_callback_url: str) -> SendRequest:
    """Validate the `/sms_send` payload; raise a 400 naming the first bad field."""
    number_from = require_e164(data.get("numberFrom"), "numberFrom")
    number_to = require_e164(data.get("numberTo"), "numberTo")
    sender_sid = require_sid(str(data.get("numberFromSid") or ""), "phone", "numberFromSid")
    text = data.get("text") or ""
    if not isinstance(text, str):
        raise bad_request("text must be a string", "text")
    media_urls = _parse_media_urls(data.get("mediaUrl"))
    if not text.strip() and not media_urls:
        raise bad_request("Type a message or attach media", "text")
    if len(text) > limits.BODY_MAX_CHARS:
        raise bad_request(
            f"The message is {len(text)} characters; the limit is {limits.BODY_MAX_CHARS}", "text"
        )
    callback = data.get("callbackUrl") or ""
    if not isinstance(callback, str) or (callback and not is_allowed_url(callback)):
        raise bad_request("callbackUrl must be an https URL", "callbackUrl")
    return SendRequest(
        number_from=number_from,
        number_from_sid=sender_sid,
        number_to=number_to,
        text=text,
        media_urls=media_urls,
        callback_url=callback or default_callback_url,
    )


def _parse_media_urls(raw: object) -> tuple[str, ...]:
    """Accept a string (one URL per line) or a list of URLs; each must be https."""
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        items = [line.strip() for line in raw.splitlines()]
    elif isinstance(raw, list) and all(isinstance(item, str) for item in raw):
        items = [item.strip() for item in raw]
    else:
        raise bad_request("mediaUrl must be a URL or a list of URLs", "mediaUrl")
    urls = tuple(url for url in items if url)
    if len(urls) > limits.MEDIA_MAX_COUNT:
        raise bad_request(f"At most {limits.MEDIA_MAX_COUNT} media URLs per message", "mediaUrl")
    for url in urls:
        if not is_allowed_url(url):
            raise bad_request("Each media URL must be an https URL", "mediaUrl")
    return urls


@dataclass(frozen=True)
class WebhookSetting:
    """A validated inbound-webhook change for one practice number."""

    url: str
    method: str


def parse_webhook_setting(data: dict) -> WebhookSetting:
    """Validate the `/inbound_webhook` payload `{url, method}`."""
    missing = [key for key in ("url", "method") if key not in data]
    if missing:
        raise bad_request(f"Missing field(s): {', '.join(missing)}", missing[0])
    url, method = data["url"], data["method"]
    if not isinstance(url, str) or not is_allowed_url(url.strip()):
        raise bad_request("url must be an https URL", "url")
    if not isinstance(method, str) or method.upper() not in ("GET", "POST"):
        raise bad_request("method must be GET or POST", "method")
    return WebhookSetting(url=url.strip(), method=method.upper())


def parse_page_size(raw: str | None) -> int:
    """Return the requested page size (default 50, 1..200) or raise a 400."""
    if not raw:
        return limits.PAGE_SIZE_DEFAULT
    if not re.fullmatch(r"[0-9]{1,4}", raw) or not 1 <= int(raw) <= limits.PAGE_SIZE_MAX:
        raise bad_request(f"pageSize must be a number from 1 to {limits.PAGE_SIZE_MAX}", "pageSize")
    return int(raw)


def require_patient_id(raw: str) -> str:
    """A patient key from the path, or a 400."""
    patient_id = unquote(raw or "")
    if not PATIENT_ID_PATTERN.match(patient_id):
        raise bad_request("patientId is not a valid patient id", "patientId")
    return patient_id


def optional_patient_id(raw: object) -> str:
    """The patient key a send is made from ("" when texting outside a chart)."""
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str):
        raise bad_request("patientId must be a string", "patientId")
    return require_patient_id(raw)
