"""Checks on what clinicians and the UI send: numbers, message bodies, URLs, request payloads."""

from __future__ import annotations

import json
import re
from base64 import urlsafe_b64decode
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from urllib.parse import parse_qs, unquote, urlparse

from twilio_sms_mms.constants import settings as limits
from twilio_sms_mms.constants.client_values import E164_PATTERN_SOURCE
from twilio_sms_mms.services.errors import ApiError, bad_request
from twilio_sms_mms.services.scheduling import parse_send_at
from twilio_sms_mms.services.segments import Segmentation, segmentation

E164_PATTERN = re.compile(E164_PATTERN_SOURCE)
# Every pattern is used with `fullmatch`: `$` alone would let a trailing newline through.
SID_PATTERNS = {
    "message": re.compile(r"(SM|MM)[0-9a-fA-F]{32}"),
    "media": re.compile(r"ME[0-9a-fA-F]{32}"),
    "phone": re.compile(r"PN[0-9a-fA-F]{32}"),
    "Messaging Service": re.compile(r"MG[0-9a-fA-F]{32}"),
}
PATIENT_ID_PATTERN = re.compile(r"[A-Za-z0-9-]{1,64}")
CLIENT_REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
# C0 controls and DEL, except tab, line feed and carriage return (a pasted "\r\n" is fine):
# NUL cannot be stored in PostgreSQL and the others mean nothing on a phone. Lone UTF-16
# surrogates (possible in JSON's "\ud800") cannot be encoded for Twilio or the database.
FORBIDDEN_TEXT_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
URL_FORBIDDEN_CHARS = re.compile(r"[\x00-\x20\x7f\ud800-\udfff]")
JSON_MEDIA_TYPE = "application/json"
JSON_MAX_DEPTH = 32
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?')
JSON_NOT_BRACKET = re.compile(r"[^\[\]{}]")
PAGE_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


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
    if not E164_PATTERN.fullmatch(number):
        raise bad_request(
            f"{field} must be a phone number in E.164 format, e.g. +15551234567", field
        )
    return number


def require_sid(raw: str, kind: str, field: str | None = None) -> str:
    """Return a Twilio SID of the given kind (message, media, phone) or raise a 400."""
    sid = unquote(raw or "")
    if not SID_PATTERNS[kind].fullmatch(sid):
        raise bad_request(f"That is not a valid {kind} SID", field)
    return sid


def is_allowed_url(url: str) -> bool:
    """True for https URLs, and for http on loopback (the local demo stack)."""
    if URL_FORBIDDEN_CHARS.search(url):
        return False
    parsed = urlparse(url)
    if not parsed.netloc or parsed.username or parsed.password:
        return False
    if parsed.scheme == "https":
        return True
    return parsed.scheme == "http" and (parsed.hostname or "") in LOOPBACK_HOSTS


def require_json_content_type(content_type: str | None) -> None:
    """Raise a 415 unless the request says its body is JSON.

    A cross-site `<form enctype="text/plain">` can post a body that parses as JSON, but it
    cannot set this content type.
    """
    if (content_type or "").strip().lower() != JSON_MEDIA_TYPE:
        raise ApiError(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            f"The request body must be sent as Content-Type: {JSON_MEDIA_TYPE}",
            reason="unsupported_media_type",
        )


def json_nesting_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in a JSON text (brackets in strings ignored)."""
    brackets = JSON_NOT_BRACKET.sub("", JSON_STRING.sub("", text))
    depth = deepest = 0
    for bracket in brackets:
        depth = depth + 1 if bracket in "[{" else depth - 1
        deepest = max(deepest, depth)
    return deepest


def parse_json_object(body: bytes) -> dict:
    """Return the request body as a JSON object or raise a 400.

    Nesting deeper than JSON_MAX_DEPTH is refused before parsing (json.loads would recurse).
    """
    try:
        text = (body or b"null").decode("utf-8")
    except UnicodeDecodeError as error:
        raise bad_request("The request body is not valid UTF-8 JSON") from error
    if json_nesting_depth(text) > JSON_MAX_DEPTH:
        raise bad_request(f"The request body nests deeper than {JSON_MAX_DEPTH} levels")
    try:
        data = json.loads(text)
    except ValueError as error:
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
    # With a Messaging Service, Twilio picks the sender; number_from is the expected one.
    messaging_service_sid: str = ""
    service_numbers: tuple[str, ...] = ()
    send_at: datetime | None = None  # a scheduled text's UTC send time

    @property
    def segmentation(self) -> Segmentation:
        """Encoding and segments of the body."""
        return segmentation(self.text)


def parse_send_request(data: dict, default_callback_url: str) -> SendRequest:
    """Validate the `/sms_send` payload; raise a 400 naming the first bad field."""
    service_sid = str(data.get("messagingServiceSid") or "")
    if service_sid:
        require_sid(service_sid, "Messaging Service", "messagingServiceSid")
    number_from = (
        require_e164(data.get("numberFrom"), "numberFrom")
        if data.get("numberFrom") or not service_sid
        else ""
    )
    number_to = require_e164(data.get("numberTo"), "numberTo")
    sender_sid = (
        require_sid(str(data.get("numberFromSid") or ""), "phone", "numberFromSid")
        if data.get("numberFromSid") or not service_sid
        else ""
    )
    text = require_clean_text(data.get("text") or "", "text")
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
        messaging_service_sid=service_sid,
        send_at=parse_send_at(data.get("sendAt"), service_sid, datetime.now(UTC)),
    )


def require_clean_text(raw: object, field: str) -> str:
    """A string free of control characters other than tab/newline/CR, or a 400 naming the field."""
    if not isinstance(raw, str):
        raise bad_request(f"{field} must be a string", field)
    bad = FORBIDDEN_TEXT_CHARS.search(raw)
    if bad:
        code = f"U+{ord(bad.group()):04X}"
        raise bad_request(
            f"{field} contains a control or invalid character ({code}) at position {bad.start()}",
            field,
        )
    return raw


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
    if not PATIENT_ID_PATTERN.fullmatch(patient_id):
        raise bad_request("patientId is not a valid patient id", "patientId")
    return patient_id


def optional_patient_id(raw: object) -> str:
    """The patient key a send is made from ("" when texting outside a chart)."""
    if raw in (None, ""):
        return ""
    if not isinstance(raw, str):
        raise bad_request("patientId must be a string", "patientId")
    return require_patient_id(raw)


def require_client_request_id(raw: object) -> str:
    """The send's idempotency key (one per draft), or a 400 naming clientRequestId."""
    if not isinstance(raw, str) or not CLIENT_REQUEST_ID_PATTERN.fullmatch(raw):
        raise bad_request(
            "clientRequestId must be 8 to 64 letters, digits, '-' or '_'", "clientRequestId"
        )
    return raw


def require_page_cursor(cursor: str, filter_name: str, number: str) -> dict[str, str]:
    """Decode a message-list cursor and check every key again; raise a 400 naming `page`.

    The cursor came back from the browser, so it is input like any other: one To or From
    equal to the list's number, PageSize 1..PAGE_SIZE_MAX, Page a small number, PageToken
    an opaque token, nothing else.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        query = urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
        params = parse_qs(query, strict_parsing=True)
    except (ValueError, UnicodeError) as error:
        raise bad_request("The page cursor is not valid", "page") from error
    if any(len(values) != 1 for values in params.values()):
        raise bad_request("The page cursor is not valid", "page")
    values = {name: found[0] for name, found in params.items()}
    if set(values) - {filter_name, "PageSize", "Page", "PageToken"}:
        raise bad_request("The page cursor belongs to another list", "page")
    if values.get(filter_name) != number:
        raise bad_request("The page cursor belongs to another list", "page")
    size = values.get("PageSize", "")
    if not re.fullmatch(r"[0-9]{1,4}", size) or not 1 <= int(size) <= limits.PAGE_SIZE_MAX:
        raise bad_request(f"The page cursor asks for more than {limits.PAGE_SIZE_MAX}", "page")
    if "Page" in values and not re.fullmatch(r"[0-9]{1,6}", values["Page"]):
        raise bad_request("The page cursor is not valid", "page")
    if "PageToken" in values and not PAGE_TOKEN_PATTERN.fullmatch(values["PageToken"]):
        raise bad_request("The page cursor is not valid", "page")
    return values
