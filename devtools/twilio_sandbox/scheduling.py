"""Scheduled messages: ScheduleType=fixed + SendAt through a Messaging Service, and cancel.

As at Twilio: without a MessagingServiceSid the schedule is dropped and the message leaves at
once; SendAt must be 15 minutes to 35 days ahead (35114); a scheduled message waits with status
`scheduled` until its time (tests release it with POST /_sandbox/scheduled/release, optionally
`?advanceSeconds=N` to move the stand-in's scheduling clock on); only a `scheduled` message can
be canceled (`Status=canceled`, else 30409).
"""

import json
from datetime import datetime

from devtools.twilio_sandbox.clock import now_us
from devtools.twilio_sandbox.context import SandboxContext
from devtools.twilio_sandbox.dispatch import start_sending
from devtools.twilio_sandbox.errors import TwilioError, invalid_parameter, not_found
from devtools.twilio_sandbox.http_types import Reply, Request, json_reply
from devtools.twilio_sandbox.send_queue import MAX_VALIDITY_S
from devtools.twilio_sandbox.twilio_json import message_json

SCHEDULE_KEY = "scheduled_messages"
RELEASE_PATH = "/_sandbox/scheduled/release"
_MINUTE_US = 60 * 1_000_000
MIN_AHEAD_US = 15 * _MINUTE_US
MAX_AHEAD_US = 35 * 24 * 60 * _MINUTE_US


def _first(form: list[tuple[str, str]], name: str) -> str:
    return next((value for key, value in form if key == name), "").strip()


def send_at_of(form: list[tuple[str, str]]) -> int | None:
    """The send time (µs) of a scheduled send, None to send now; 35114 outside the window."""
    if _first(form, "ScheduleType") != "fixed" or not _first(form, "MessagingServiceSid"):
        return None  # Twilio drops a schedule without a Messaging Service: it sends at once
    try:
        when = datetime.fromisoformat(_first(form, "SendAt").replace("Z", "+00:00"))
    except ValueError:
        when = None
    ahead = int(when.timestamp() * 1_000_000) - now_us() if when and when.tzinfo else -1
    if not MIN_AHEAD_US <= ahead <= MAX_AHEAD_US:
        raise TwilioError(400, 35114, "Scheduling does not support this timestamp")
    return now_us() + ahead


def _pending(ctx: SandboxContext) -> dict[str, list[int]]:
    """{sid: [send_at_us, validity_s]} of the messages still scheduled (a bare send time, as
    older databases hold it, gets the default validity)."""
    raw = json.loads(ctx.store.get_meta(SCHEDULE_KEY) or "{}")
    return {sid: v if isinstance(v, list) else [v, MAX_VALIDITY_S] for sid, v in raw.items()}


def remember(ctx: SandboxContext, sid: str, send_at_us: int, validity_s: int) -> None:
    """Keep a scheduled message (and the ValidityPeriod it will queue with) until its time."""
    pending = _pending(ctx)
    pending[sid] = [send_at_us, validity_s]
    ctx.store.set_meta(SCHEDULE_KEY, json.dumps(pending))


def cancel_message(ctx: SandboxContext, request: Request, args: list[str]) -> Reply:
    """POST Messages/{SM}.json with Status=canceled: only while `scheduled` (else 30409)."""
    status = dict(request.form_pairs()).get("Status", "")
    if status != "canceled":
        raise invalid_parameter("The stand-in updates a message only with Status=canceled")
    message = ctx.store.message(args[0])
    if message is None:
        raise not_found(request.path)
    if message.status != "scheduled":
        raise TwilioError(400, 30409, "Message cannot be canceled: it is not scheduled")
    ctx.store.update_message(message.sid, {"status": "canceled", "updated_us": now_us()})
    pending = _pending(ctx)
    pending.pop(message.sid, None)
    ctx.store.set_meta(SCHEDULE_KEY, json.dumps(pending))
    updated = ctx.store.message(message.sid)
    assert updated is not None
    return json_reply(200, message_json(ctx.account_sid, updated))


def release_due(ctx: SandboxContext, request: Request) -> Reply:
    """POST /_sandbox/scheduled/release[?advanceSeconds=N]: send every message now due."""
    horizon = now_us() + int(float(request.query.get("advanceSeconds") or 0) * 1_000_000)
    pending = _pending(ctx)
    due = sorted((at, sid) for sid, (at, _) in pending.items() if at <= horizon)
    for _, sid in due:
        validity = pending.pop(sid)[1]
        message = ctx.store.message(sid)
        if message is not None and message.status == "scheduled":
            ctx.store.update_message(sid, {"status": "queued", "updated_us": now_us()})
            start_sending(ctx, message, validity)
    ctx.store.set_meta(SCHEDULE_KEY, json.dumps(pending))
    return json_reply(200, {"released": [sid for _, sid in due], "waiting": len(pending)})
