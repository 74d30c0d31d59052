"""Admin endpoints under /_sandbox/ (no auth): health, stats, faults, seed, dumps, phone page."""

from collections.abc import Callable

from devtools.twilio_sandbox.assets import asset, asset_names
from devtools.twilio_sandbox.clock import iso
from devtools.twilio_sandbox.context import SandboxContext
from devtools.twilio_sandbox.errors import TwilioError
from devtools.twilio_sandbox.http_types import Reply, Request, html_reply, json_reply, redirect
from devtools.twilio_sandbox.inbound import receive_text
from devtools.twilio_sandbox.messaging_v1 import (
    CAMPAIGN_STATUSES,
    add_number,
    add_service,
    set_campaign,
)
from devtools.twilio_sandbox.phone_page import phone_page_url, render_phone_page
from devtools.twilio_sandbox.seed import ensure_phone, seed_bench

AdminHandler = Callable[[SandboxContext, Request], Reply]
DUMP_LIMIT = 500


class BadRequest(ValueError):
    """An admin request with missing or malformed fields (answered 400)."""


def health(ctx: SandboxContext, _: Request) -> Reply:
    """GET /_sandbox/health."""
    return json_reply(200, {"status": "ok", "accountSid": ctx.account_sid, "url": ctx.public_url})


def get_stats(ctx: SandboxContext, _: Request) -> Reply:
    """GET /_sandbox/stats."""
    return json_reply(200, ctx.stats.snapshot())


def reset_stats(ctx: SandboxContext, _: Request) -> Reply:
    """DELETE /_sandbox/stats."""
    ctx.stats.reset()
    return json_reply(200, ctx.stats.snapshot())


def _int(data: dict, key: str, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadRequest(f"{key} must be a non-negative integer")
    return value


def _fault_body(ctx: SandboxContext) -> dict:
    plan = ctx.faults.current()
    return {
        "delayMs": plan.delay_ms,
        "failStatus": plan.fail_status,
        "failCount": plan.fail_count,
        "dropAfterAccept": plan.drop_after_accept,
        "failEvery": plan.fail_every,
    }


def get_faults(ctx: SandboxContext, _: Request) -> Reply:
    """GET /_sandbox/faults: the current plan."""
    return json_reply(200, _fault_body(ctx))


def set_faults(ctx: SandboxContext, request: Request) -> Reply:
    """POST /_sandbox/faults {"delayMs", "failStatus", "failCount", "dropAfterAccept",
    "failEvery"}.

    No delayMs: keep it. dropAfterAccept: the next N sends are stored, then the connection is
    closed without an answer (the client sees the connection drop after Twilio accepted).
    failEvery: N (with failStatus, e.g. 429): one request in N fails, until the plan changes.
    """
    data = request.json()
    ctx.faults.configure(
        _int(data, "delayMs", ctx.faults.current().delay_ms),
        _int(data, "failStatus", 0),
        _int(data, "failCount", 0),
        _int(data, "dropAfterAccept", 0),
        _int(data, "failEvery", 0),
    )
    return json_reply(200, _fault_body(ctx))


def clear_faults(ctx: SandboxContext, _: Request) -> Reply:
    """DELETE /_sandbox/faults."""
    ctx.faults.clear()
    return json_reply(200, _fault_body(ctx))


def get_queue(ctx: SandboxContext, _: Request) -> Reply:
    """GET /_sandbox/queue: each sender's waiting messages and backlog, the queue clock."""
    return json_reply(200, ctx.queue.snapshot())


def advance_queue(ctx: SandboxContext, request: Request) -> Reply:
    """POST /_sandbox/queue/advance?seconds=N: move the send queue's clock N seconds on."""
    try:
        seconds = float(request.query.get("seconds", ""))
    except ValueError as exc:
        raise BadRequest("seconds must be a number") from exc
    if not 0 <= seconds <= 10 * 24 * 3600:
        raise BadRequest("seconds must be between 0 and 864000")
    ctx.queue.advance(seconds)
    return json_reply(200, ctx.queue.snapshot())


def create_service(ctx: SandboxContext, request: Request) -> Reply:
    """POST /_sandbox/services {"name", "numbers": [E.164...], "campaign": "VERIFIED"|...|null}.

    Creates the Messaging Service, the numbers it holds (new ones join the account, label
    "Bench line") and its US A2P campaign; answers {"sid"}.
    """
    data = request.json()
    name, numbers, campaign = data.get("name"), data.get("numbers") or [], data.get("campaign")
    if not isinstance(name, str) or not name.strip():
        raise BadRequest("name is required")
    if not isinstance(numbers, list) or not all(
        isinstance(n, str) and n[:1] == "+" and n[1:].isdigit() for n in numbers
    ):
        raise BadRequest("numbers must be a list of E.164 strings")
    if campaign is not None and campaign not in CAMPAIGN_STATUSES:
        raise BadRequest(f"campaign must be one of {', '.join(CAMPAIGN_STATUSES)} or null")
    sid = add_service(ctx.store, ctx.account_sid, name.strip())
    for number in numbers:
        ensure_phone(ctx.store, ctx.account_sid, number, "Bench line")
        add_number(ctx.store, ctx.account_sid, sid, number)
    if campaign is not None:
        set_campaign(ctx.store, ctx.account_sid, sid, campaign)
    return json_reply(200, {"sid": sid})


def bench_seed(ctx: SandboxContext, request: Request) -> Reply:
    """POST /_sandbox/seed {"messages", "numbers", "mediaPerMessage", "practiceNumber", "reset"}."""
    data = request.json()
    counts = seed_bench(
        ctx.store,
        ctx.account_sid,
        _int(data, "messages", 10_000),
        _int(data, "numbers", 30),
        _int(data, "mediaPerMessage", 3),
        str(data.get("practiceNumber", "+15550100001")),
        bool(data.get("reset", True)),
    )
    return json_reply(200, counts)


def dump_messages(ctx: SandboxContext, request: Request) -> Reply:
    """GET /_sandbox/messages?to=&from=&limit=: a plain JSON dump, newest first."""
    query = request.query
    try:
        limit = min(int(query.get("limit", DUMP_LIMIT)), 10_000)
    except ValueError as exc:
        raise BadRequest("limit must be an integer") from exc
    rows = ctx.store.messages_page(
        query.get("to") or None, query.get("from") or None, (None, None), None, limit
    )
    return json_reply(
        200,
        {
            "messages": [
                {
                    "sid": m.sid,
                    "from": m.from_number,
                    "to": m.to_number,
                    "body": m.body,
                    "direction": m.direction,
                    "status": m.status,
                    "error_code": m.error_code,
                    "error_message": m.error_message,
                    "num_media": m.num_media,
                    "date_created": iso(m.created_us),
                    "date_sent": iso(m.sent_us),
                    "status_callback": m.status_callback,
                    "media": [
                        {"sid": item.sid, "content_type": item.content_type, "size": len(item.data)}
                        for item in ctx.store.media_of(m.sid)
                    ]
                    if m.num_media
                    else [],
                }
                for m in rows
            ]
        },
    )


def inbound_json(ctx: SandboxContext, request: Request) -> Reply:
    """POST /_sandbox/inbound {"from", "to", "body", "media"?}: a patient texts the practice."""
    data = request.json()
    sender, to = str(data.get("from", "")).strip(), str(data.get("to", "")).strip()
    if not sender or not to:
        raise BadRequest("from and to are required")
    media = data.get("media") or []
    if not isinstance(media, list):
        raise BadRequest("media must be a list of asset names")
    result = receive_text(ctx, sender, to, str(data.get("body", "")), [str(m) for m in media])
    return json_reply(
        200,
        {
            "messageSid": result.message_sid,
            "webhookStatus": result.webhook_status,
            "twiml": result.twiml,
            "replies": result.replies,
        },
    )


def phone_page(ctx: SandboxContext, request: Request) -> Reply:
    """GET /_sandbox/phone?patient=&practice=&notice=."""
    phones = ctx.store.phones_page(None, 1000)
    query = request.query
    practice = query.get("practice") or (phones[0].phone_number if phones else "")
    html = render_phone_page(
        ctx.store,
        ctx.account_sid,
        phones,
        query.get("patient", "").strip(),
        practice,
        query.get("notice", ""),
    )
    return html_reply(200, html)


def phone_send(ctx: SandboxContext, request: Request) -> Reply:
    """POST /_sandbox/phone/send (form): send as the patient, then go back to the page."""
    form = dict(request.form_pairs())
    patient, practice = form.get("patient", "").strip(), form.get("practice", "").strip()
    if not patient or not practice:
        return redirect(phone_page_url(patient, practice, "Pick a patient and a practice number."))
    assets = [form["asset"]] if form.get("asset") else []
    try:
        result = receive_text(ctx, patient, practice, form.get("body", ""), assets)
    except TwilioError as exc:
        return redirect(phone_page_url(patient, practice, exc.message))
    if result.webhook_status is None:
        notice = f"Stored {result.message_sid} (no SMS URL reached)."
    else:
        notice = f"Stored {result.message_sid}; SMS URL answered {result.webhook_status}."
    return redirect(phone_page_url(patient, practice, notice))


def serve_asset(ctx: SandboxContext, request: Request) -> Reply:
    """GET /_sandbox/assets/<name> (and /_sandbox/assets: the list of names)."""
    name = request.path.removeprefix("/_sandbox/assets").lstrip("/")
    if not name:
        return json_reply(200, {"assets": asset_names()})
    found = asset(name)
    if found is None:
        return json_reply(404, {"error": f"no asset {name}"})
    return Reply(200, found.data, found.content_type)


ADMIN_ROUTES: dict[tuple[str, str], AdminHandler] = {
    ("GET", "/_sandbox/health"): health,
    ("GET", "/_sandbox/stats"): get_stats,
    ("DELETE", "/_sandbox/stats"): reset_stats,
    ("GET", "/_sandbox/faults"): get_faults,
    ("POST", "/_sandbox/faults"): set_faults,
    ("DELETE", "/_sandbox/faults"): clear_faults,
    ("GET", "/_sandbox/queue"): get_queue,
    ("POST", "/_sandbox/queue/advance"): advance_queue,
    ("POST", "/_sandbox/seed"): bench_seed,
    ("POST", "/_sandbox/services"): create_service,
    ("GET", "/_sandbox/messages"): dump_messages,
    ("POST", "/_sandbox/inbound"): inbound_json,
    ("GET", "/_sandbox/phone"): phone_page,
    ("POST", "/_sandbox/phone/send"): phone_send,
}


def dispatch_admin(ctx: SandboxContext, request: Request) -> Reply:
    """Answer an admin request; unknown paths get a JSON 404, bad input a JSON 400."""
    handler = ADMIN_ROUTES.get((request.method, request.path.rstrip("/") or "/"))
    if handler is None and request.method == "GET" and request.path.startswith("/_sandbox/assets"):
        handler = serve_asset
    if handler is None:
        return json_reply(404, {"error": f"no admin route {request.method} {request.path}"})
    try:
        return handler(ctx, request)
    except (BadRequest, ValueError) as exc:
        return json_reply(400, {"error": str(exc)})
    except TwilioError as exc:
        return json_reply(exc.status, exc.body())
