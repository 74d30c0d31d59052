"""A patient texting a practice number: store it, call the number's sms_url, store replies."""

import logging
from dataclasses import dataclass
from xml.sax.saxutils import escape

from devtools.twilio_sandbox.assets import asset
from devtools.twilio_sandbox.clock import now_us
from devtools.twilio_sandbox.compose import compose_message
from devtools.twilio_sandbox.context import SandboxContext
from devtools.twilio_sandbox.dispatch import UNREGISTERED
from devtools.twilio_sandbox.errors import TwilioError
from devtools.twilio_sandbox.keywords import OPT_IN_REPLY, OPT_OUT_REPLY, keyword_of
from devtools.twilio_sandbox.media_source import resolve_media
from devtools.twilio_sandbox.messaging_v1 import blocked_by_10dlc
from devtools.twilio_sandbox.records import INBOUND, OUTBOUND_REPLY, Media, Message, NewMedia
from devtools.twilio_sandbox.twilio_json import API_VERSION, account_path
from devtools.twilio_sandbox.twiml import TwimlError, parse_twiml
from devtools.twilio_sandbox.webhooks import call_signed

log = logging.getLogger("twilio_sandbox")

# Where Twilio's number lookup would place the numbers (FromCity, ToZip...).
PATIENT_GEO = {"Country": "US", "State": "CA", "City": "SAN FRANCISCO", "Zip": "94105"}
PRACTICE_GEO = {"Country": "US", "State": "NY", "City": "NEW YORK", "Zip": "10001"}


@dataclass(frozen=True)
class InboundResult:
    """The stored inbound message, what the webhook answered, and the replies stored."""

    message_sid: str
    webhook_status: int | None
    twiml: str | None
    replies: list[str]


def receive_text(
    ctx: SandboxContext, patient: str, practice: str, body: str, asset_names: list[str]
) -> InboundResult:
    """Deliver a text from `patient` to the practice number, as Twilio would.

    Raises TwilioError when the practice number is not one of the account's or an asset is unknown.
    """
    phone = ctx.store.phone_by_number(practice)
    if phone is None:
        raise TwilioError(404, 20404, f"{practice} is not a number of this account")
    attachments: list[NewMedia] = []
    for name in asset_names:
        found = asset(name)
        if found is None:
            raise TwilioError(400, 20001, f"unknown asset {name}")
        attachments.append(found)
    at = now_us()
    message, media = compose_message(
        INBOUND, patient, practice, body, attachments, "received", at, sent_us=at
    )
    ctx.store.add_message(message, media)
    replies = _keyword_side_effects(ctx, message)
    if not phone.sms_url:
        return InboundResult(message.sid, None, None, replies)
    params = webhook_params(ctx, message, media)
    result = call_signed(phone.sms_url, phone.sms_method or "POST", params, ctx.auth_token)
    if result.status is None or not 200 <= result.status < 300:
        return InboundResult(message.sid, result.status, result.text or None, replies)
    replies += _store_replies(ctx, message, result.content_type, result.text)
    return InboundResult(message.sid, result.status, result.text, replies)


def webhook_params(
    ctx: SandboxContext, message: Message, media: list[Media]
) -> list[tuple[str, str]]:
    """Return the form parameters Twilio sends to a messaging webhook (no MessagingServiceSid)."""
    params = [
        ("ToCountry", PRACTICE_GEO["Country"]),
        ("ToState", PRACTICE_GEO["State"]),
        ("SmsMessageSid", message.sid),
        ("NumMedia", str(message.num_media)),
        ("ToCity", PRACTICE_GEO["City"]),
        ("FromZip", PATIENT_GEO["Zip"]),
        ("SmsSid", message.sid),
        ("FromState", PATIENT_GEO["State"]),
        ("SmsStatus", "received"),
        ("FromCity", PATIENT_GEO["City"]),
        ("Body", message.body),
        ("FromCountry", PATIENT_GEO["Country"]),
        ("To", message.to_number),
        ("ToZip", PRACTICE_GEO["Zip"]),
        ("NumSegments", str(message.num_segments)),
        ("MessageSid", message.sid),
        ("AccountSid", ctx.account_sid),
        ("From", message.from_number),
        ("ApiVersion", API_VERSION),
    ]
    base = f"{ctx.public_url}{account_path(ctx.account_sid)}/Messages/{message.sid}/Media"
    for index, item in enumerate(media):
        params.append((f"MediaContentType{index}", item.content_type))
        params.append((f"MediaUrl{index}", f"{base}/{item.sid}"))
    return params


def _keyword_side_effects(ctx: SandboxContext, message: Message) -> list[str]:
    """Apply STOP/START to the opt-out list and store Twilio's own confirmation reply."""
    keyword = keyword_of(message.body)
    if keyword not in ("opt_out", "opt_in"):
        return []
    opted_out = keyword == "opt_out"
    ctx.store.set_opt_out(message.to_number, message.from_number, opted_out, message.created_us)
    text = OPT_OUT_REPLY if opted_out else OPT_IN_REPLY
    at = now_us()
    reply, _ = compose_message(
        OUTBOUND_REPLY,
        message.to_number,
        message.from_number,
        text,
        [],
        "delivered",
        at,
        sent_us=at,
    )
    ctx.store.add_message(reply)
    return [reply.sid]


def reply_error(ctx: SandboxContext, sender: str, recipient: str) -> tuple[int, str] | None:
    """Why Twilio would fail a TwiML reply at once: an opt-out (21610) or an unregistered
    US long code (30034); None when it is delivered."""
    if ctx.store.is_opted_out(sender, recipient):
        return 21610, "Attempt to send to unsubscribed recipient"
    if blocked_by_10dlc(ctx.store, sender, recipient):
        return UNREGISTERED
    return None


def _store_replies(
    ctx: SandboxContext, inbound: Message, content_type: str, text: str
) -> list[str]:
    """Store each `<Message>` of the webhook's answer as an outbound-reply."""
    if "xml" in content_type or text.lstrip().startswith("<"):
        try:
            replies = parse_twiml(text)
        except TwimlError as exc:
            log.warning("12100 document parse failure for %s: %s", inbound.sid, exc)
            return []
    elif text.strip():
        # Twilio sends a plain-text answer as the reply body.
        replies = parse_twiml(f"<Response><Message>{escape(text)}</Message></Response>")
    else:
        return []
    stored = []
    own = [ctx.public_url, ctx.bound_url]
    for reply in replies:
        sender = reply.sender or inbound.to_number
        recipient = reply.to or inbound.from_number
        media = [resolve_media(url, own, ctx.store) for url in reply.media_urls]
        at = now_us()
        error = reply_error(ctx, sender, recipient)
        message, rows = compose_message(
            OUTBOUND_REPLY,
            sender,
            recipient,
            reply.body,
            media,
            "failed" if error else "delivered",
            at,
            sent_us=None if error else at,
            error=error,
        )
        ctx.store.add_message(message, rows)
        stored.append(message.sid)
    return stored
