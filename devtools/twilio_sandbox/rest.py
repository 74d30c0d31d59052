"""Twilio REST resources under /2010-04-01/Accounts/{AccountSid}/ (after auth and faults)."""

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from devtools.twilio_sandbox.clock import now_us, parse_date_filter
from devtools.twilio_sandbox.context import SandboxContext
from devtools.twilio_sandbox.controls import DropConnection
from devtools.twilio_sandbox.errors import (
    TwilioError,
    cannot_delete_yet,
    invalid_parameter,
    method_not_allowed,
    not_found,
)
from devtools.twilio_sandbox.http_types import Reply, Request, json_reply
from devtools.twilio_sandbox.outbound import create_outbound
from devtools.twilio_sandbox.paging import envelope, parse_page_request
from devtools.twilio_sandbox.scheduling import cancel_message
from devtools.twilio_sandbox.twilio_json import account_path, media_json, message_json, phone_json

Handler = Callable[[SandboxContext, Request, list[str]], Reply]

_SID = r"([A-Z]{2}[0-9a-f]{32})"
PHONE_FIELDS = {
    "SmsUrl": "sms_url",
    "SmsMethod": "sms_method",
    "SmsFallbackUrl": "sms_fallback_url",
    "SmsFallbackMethod": "sms_fallback_method",
    "StatusCallback": "status_callback",
    "StatusCallbackMethod": "status_callback_method",
    "FriendlyName": "friendly_name",
}
# Twilio deletes a message only once it is complete; before that it answers 20009.
DELETABLE_STATUSES = frozenset(
    {"delivered", "undelivered", "failed", "received", "read", "canceled"}
)


def list_phones(ctx: SandboxContext, request: Request, _: list[str]) -> Reply:
    """GET IncomingPhoneNumbers.json."""
    page = parse_page_request(request.query)
    rows = ctx.store.phones_page(page.cursor, page.page_size + 1)
    more = len(rows) > page.page_size
    rows = rows[: page.page_size]
    next_cursor = (rows[-1].created_us, rows[-1].sid) if more else None
    items = [phone_json(ctx.account_sid, row) for row in rows]
    path = f"{account_path(ctx.account_sid)}/IncomingPhoneNumbers.json"
    return json_reply(200, envelope("incoming_phone_numbers", items, path, [], page, next_cursor))


def get_phone(ctx: SandboxContext, request: Request, args: list[str]) -> Reply:
    """GET IncomingPhoneNumbers/{PN}.json."""
    phone = ctx.store.phone_by_sid(args[0])
    if phone is None:
        raise not_found(request.path)
    return json_reply(200, phone_json(ctx.account_sid, phone))


def update_phone(ctx: SandboxContext, request: Request, args: list[str]) -> Reply:
    """POST IncomingPhoneNumbers/{PN}.json: SmsUrl, SmsMethod, StatusCallback, FriendlyName..."""
    if ctx.store.phone_by_sid(args[0]) is None:
        raise not_found(request.path)
    changes: dict[str, str] = {}
    for key, value in request.form_pairs():
        column = PHONE_FIELDS.get(key)
        if column is None:
            continue
        if column.endswith("_method"):
            value = value.upper()
            if value not in ("GET", "POST"):
                raise invalid_parameter(f"{key} must be GET or POST")
        elif column.endswith("url") or column == "status_callback":
            parts = urlsplit(value)
            if value and (parts.scheme not in ("http", "https") or not parts.netloc):
                raise TwilioError(400, 21502, f"{key} is not a valid URL: {value}")
        changes[column] = value
    if changes:
        ctx.store.update_phone(args[0], changes, now_us())
    return get_phone(ctx, request, args)


def _sent_range(query: dict[str, str]) -> tuple[int | None, int | None]:
    low: int | None = None
    high: int | None = None
    try:
        if "DateSent" in query:
            low, high = parse_date_filter(query["DateSent"])
        if "DateSent>" in query:
            low = parse_date_filter(query["DateSent>"])[0]
        if "DateSent<" in query:
            high = parse_date_filter(query["DateSent<"])[1]
    except ValueError as exc:
        raise invalid_parameter(f"Invalid DateSent filter: {exc}") from exc
    return low, high


def list_messages(ctx: SandboxContext, request: Request, _: list[str]) -> Reply:
    """GET Messages.json: newest first, filters To/From/DateSent/DateSent</DateSent>."""
    query = request.query
    page = parse_page_request(query)
    rows = ctx.store.messages_page(
        query.get("To") or None,
        query.get("From") or None,
        _sent_range(query),
        page.cursor,
        page.page_size + 1,
    )
    more = len(rows) > page.page_size
    rows = rows[: page.page_size]
    next_cursor = (rows[-1].created_us, rows[-1].sid) if more else None
    filters = [
        (k, v) for k, v in request.query_pairs if k in ("To", "From") or k.startswith("DateSent")
    ]
    items = [message_json(ctx.account_sid, row) for row in rows]
    path = f"{account_path(ctx.account_sid)}/Messages.json"
    return json_reply(200, envelope("messages", items, path, filters, page, next_cursor))


def send_message(ctx: SandboxContext, request: Request, _: list[str]) -> Reply:
    """POST Messages.json -> 201 with the queued message."""
    message = create_outbound(ctx, request.form_pairs())
    if ctx.faults.take_drop():
        raise DropConnection(message.sid)
    return json_reply(201, message_json(ctx.account_sid, message))


def get_message(ctx: SandboxContext, request: Request, args: list[str]) -> Reply:
    """GET Messages/{SM}.json."""
    message = ctx.store.message(args[0])
    if message is None:
        raise not_found(request.path)
    return json_reply(200, message_json(ctx.account_sid, message))


def delete_message(ctx: SandboxContext, request: Request, args: list[str]) -> Reply:
    """DELETE Messages/{SM}.json -> 204; 409/20009 while the message is not final."""
    message = ctx.store.message(args[0])
    if message is None:
        raise not_found(request.path)
    if message.status not in DELETABLE_STATUSES:
        raise cannot_delete_yet()
    if not ctx.store.delete_message(args[0]):
        raise not_found(request.path)
    return Reply(204, b"", "")


def list_media(ctx: SandboxContext, request: Request, args: list[str]) -> Reply:
    """GET Messages/{SM}/Media.json."""
    if ctx.store.message(args[0]) is None:
        raise not_found(request.path)
    page = parse_page_request(request.query)
    after = page.cursor[0] if page.cursor else -1
    rows = ctx.store.media_of(args[0], after, page.page_size + 1)
    more = len(rows) > page.page_size
    rows = rows[: page.page_size]
    next_cursor = (rows[-1].position, rows[-1].sid) if more else None
    items = [media_json(ctx.account_sid, row) for row in rows]
    path = f"{account_path(ctx.account_sid)}/Messages/{args[0]}/Media.json"
    return json_reply(200, envelope("media_list", items, path, [], page, next_cursor))


def get_media(ctx: SandboxContext, request: Request, args: list[str]) -> Reply:
    """GET Messages/{SM}/Media/{ME}.json."""
    item = ctx.store.media_item(args[0], args[1])
    if item is None:
        raise not_found(request.path)
    return json_reply(200, media_json(ctx.account_sid, item))


def get_raw_media(ctx: SandboxContext, request: Request, args: list[str]) -> Reply:
    """GET Messages/{SM}/Media/{ME}: the bytes with the stored content type."""
    item = ctx.store.media_item(args[0], args[1])
    if item is None:
        raise not_found(request.path)
    return Reply(200, item.data, item.content_type)


ROUTES: list[tuple[re.Pattern[str], str, dict[str, Handler]]] = [
    (
        re.compile(r"^IncomingPhoneNumbers\.json$"),
        "IncomingPhoneNumbers.json",
        {"GET": list_phones},
    ),
    (
        re.compile(rf"^IncomingPhoneNumbers/{_SID}\.json$"),
        "IncomingPhoneNumbers/{Sid}.json",
        {"GET": get_phone, "POST": update_phone},
    ),
    (
        re.compile(r"^Messages\.json$"),
        "Messages.json",
        {"GET": list_messages, "POST": send_message},
    ),
    (
        re.compile(rf"^Messages/{_SID}\.json$"),
        "Messages/{Sid}.json",
        {"GET": get_message, "DELETE": delete_message, "POST": cancel_message},
    ),
    (
        re.compile(rf"^Messages/{_SID}/Media\.json$"),
        "Messages/{Sid}/Media.json",
        {"GET": list_media},
    ),
    (
        re.compile(rf"^Messages/{_SID}/Media/{_SID}\.json$"),
        "Messages/{Sid}/Media/{Sid}.json",
        {"GET": get_media},
    ),
    (
        re.compile(rf"^Messages/{_SID}/Media/{_SID}$"),
        "Messages/{Sid}/Media/{Sid}",
        {"GET": get_raw_media},
    ),
]


def route_kind(method: str, sub_path: str) -> tuple[str, Handler | None, list[str]]:
    """Return the stats key (`GET Messages.json`), the handler (None if unknown) and path args."""
    for pattern, kind, handlers in ROUTES:
        if match := pattern.match(sub_path):
            return f"{method} {kind}", handlers.get(method), list(match.groups())
    return f"{method} unknown", None, []


def dispatch(ctx: SandboxContext, request: Request, sub_path: str) -> Reply:
    """Run the handler of an authenticated REST request; raise TwilioError on failures."""
    _, handler, args = route_kind(request.method, sub_path)
    if handler is None:
        if any(pattern.match(sub_path) for pattern, _, _ in ROUTES):
            raise method_not_allowed(request.method)
        raise not_found(request.path)
    return handler(ctx, request, args)
